package dev.resident.web;

import dev.resident.registry.Connection;
import dev.resident.registry.Registry;
import io.helidon.http.HeaderNames;
import io.helidon.http.SetCookie;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;

/** The {@code rsd_cid} cookie that ties a browser session to its connection. */
public final class ConnectionCookie {
    /** The cookie's name. */
    public static final String NAME = "rsd_cid";

    private ConnectionCookie() {
    }

    /**
     * The connection id in raw {@code Cookie} headers (the WebSocket upgrade has no parsed
     * cookies), or null: the value of the first {@code rsd_cid} pair, trimmed. Read by hand on
     * every request: Helidon's parse builds a map of all the cookies.
     */
    static String fromHeaders(List<String> cookieHeaders) {
        for (String header : cookieHeaders) {
            String id = fromHeader(header);
            if (id != null) {
                return id;
            }
        }
        return null;
    }

    private static String fromHeader(String cookieHeader) {
        int length = cookieHeader.length();
        int start = 0;
        while (start < length) {
            int end = cookieHeader.indexOf(';', start);
            if (end < 0) {
                end = length;
            }
            int eq = cookieHeader.indexOf('=', start, end); // within the pair: linear in the header
            if (eq > start && isName(cookieHeader, start, eq)) {
                return cookieHeader.substring(eq + 1, end).trim();
            }
            start = end + 1;
        }
        return null;
    }

    /** Whether {@code text[from, to)}, spaces around it aside, is {@value #NAME}. */
    private static boolean isName(String text, int from, int to) {
        while (from < to && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
            to--;
        }
        return to - from == NAME.length() && text.startsWith(NAME, from);
    }

    static String read(ServerRequest req) {
        return fromHeaders(req.headers().all(HeaderNames.COOKIE, List::of));
    }

    /** The request's connection, minted (and the cookie set) when it has none. */
    static Connection connect(Registry registry, ServerRequest req, ServerResponse res, TrustedProxies proxies) {
        String cookie = read(req);
        Connection connection = registry.sessions().connect(cookie);
        if (!connection.id().equals(cookie)) {
            set(req, res, connection, proxies);
        }
        return connection;
    }

    /** Sets the cookie to the connection's session id (a new one after login or logout). */
    static void set(ServerRequest req, ServerResponse res, Connection connection, TrustedProxies proxies) {
        res.headers().addCookie(SetCookie.builder(NAME, connection.id())
                .httpOnly(true)
                .sameSite(SetCookie.SameSite.LAX)
                .path("/")
                // TLS here, or a trusted balancer's X-Forwarded-Proto (resident.trusted-proxies)
                .secure(ClientInfo.of(req, proxies).https())
                .build());
    }
}
