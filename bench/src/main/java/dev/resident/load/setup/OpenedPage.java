package dev.resident.load.setup;

/** A page the harness opened: its id and the {@code rsd_cid} cookie of the connection owning it. */
public record OpenedPage(String pageId, String cookie) {
    /** The {@code Cookie} header value that proves ownership. */
    public String cookieHeader() {
        return "rsd_cid=" + cookie;
    }
}
