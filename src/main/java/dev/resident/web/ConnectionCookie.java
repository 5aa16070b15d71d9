package dev.resident.web;

import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;

/**
 * The cookie that ties a browser session to its connection: {@code rsd_cid}, and over HTTPS
 * {@code __Host-rsd_cid} as well, which a browser takes only from this host, only over TLS, for
 * the whole host (RFC 6265bis, cookie prefixes). A page of a sibling host can plant an
 * {@code rsd_cid} for the whole domain (cookie tossing), never a {@code __Host-} one, so a session
 * id issued over HTTPS counts only when it comes back under that name ({@link Connections}); the
 * {@code rsd_cid} copy is what load balancers follow (deploy/haproxy.cfg, deploy/nginx.conf).
 */
public final class ConnectionCookie {
    /** The cookie's name, and over HTTPS the copy the balancers route by. */
    public static final String NAME = "rsd_cid";
    /** Over HTTPS, the name a session id issued there counts under. */
    public static final String HOST_NAME = "__Host-" + NAME;

    private ConnectionCookie() {
    }

    /**
     * The session id a request carried and whether under {@link #HOST_NAME}, read from raw
     * {@code Cookie} headers (the WebSocket upgrade has no parsed cookies).
     *
     * @param id       the session id, trimmed, or null when the request carried none
     * @param hostOnly whether it came as {@link #HOST_NAME}, which no other host can have set
     */
    record Carried(String id, boolean hostOnly) {
        static final Carried NONE = new Carried(null, false);
    }

    /**
     * The first {@link #HOST_NAME} pair's value; else the value of the only {@link #NAME} pair.
     * Two {@code rsd_cid} pairs mean one was planted by another host of the domain, which cannot
     * be told from the other: the request carried none. Read by hand on every request: Helidon's
     * parse builds a map of all the cookies.
     */
    static Carried fromHeaders(List<String> cookieHeaders) {
        String plain = null;
        int plainPairs = 0;
        for (String header : cookieHeaders) {
            int length = header.length();
            int start = 0;
            while (start < length) {
                int end = header.indexOf(';', start);
                if (end < 0) {
                    end = length;
                }
                int eq = header.indexOf('=', start, end); // within the pair: linear in the header
                if (eq > start) {
                    if (isName(header, start, eq, HOST_NAME)) {
                        return new Carried(header.substring(eq + 1, end).trim(), true);
                    }
                    if (isName(header, start, eq, NAME) && plainPairs++ == 0) {
                        plain = header.substring(eq + 1, end).trim();
                    }
                }
                start = end + 1;
            }
        }
        return plainPairs == 1 ? new Carried(plain, false) : Carried.NONE;
    }

    /** Whether {@code text[from, to)}, spaces around it aside, is {@code name}. */
    private static boolean isName(String text, int from, int to, String name) {
        while (from < to && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
            to--;
        }
        return to - from == name.length() && text.startsWith(name, from);
    }

    static Carried read(ServerRequest req) {
        return fromHeaders(req.headers().all(HeaderNames.COOKIE, List::of));
    }

    /**
     * Sets the cookie to a session id: {@code __Host-rsd_cid} and its {@code rsd_cid} copy, both
     * {@code Secure}, when the client came over HTTPS (TLS here, or a trusted balancer's
     * {@code X-Forwarded-Proto}: {@code resident.trusted-proxies}); {@code rsd_cid} alone otherwise.
     */
    static void set(ServerResponse res, String id, boolean https) {
        if (https) {
            res.headers().addCookie(cookie(HOST_NAME, id, true));
        }
        res.headers().addCookie(cookie(NAME, id, https));
    }

    private static SetCookie cookie(String name, String id, boolean https) {
        return SetCookie.builder(name, id)
                .httpOnly(true)
                .sameSite(SetCookie.SameSite.LAX)
                .path("/") // a __Host- cookie has Path=/, Secure and no Domain
                .secure(https)
                .build();
    }
}
