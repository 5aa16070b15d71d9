package dev.resident.load.setup;

/** A page the harness opened: its id and the {@code rsd_cid} cookie of the connection owning it. */
public record OpenedPage(String pageId, String cookie) {
    /** The {@code Cookie} header value that proves ownership. */
    public String cookieHeader() {
        return "rsd_cid=" + cookie;
    }

    /** One line of a pages file. */
    public String line() {
        return cookie + "\t" + pageId;
    }

    public static OpenedPage parse(String line) {
        int tab = line.indexOf('\t');
        return new OpenedPage(line.substring(tab + 1), line.substring(0, tab));
    }
}
