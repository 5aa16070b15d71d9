package dev.resident.web;

import dev.resident.registry.Connection;
import dev.resident.registry.Registry;
import io.helidon.http.SetCookie;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Optional;

/** The {@code rsd_cid} cookie that ties a browser session to its connection. */
public final class ConnectionCookie {
    /** The cookie's name. */
    public static final String NAME = "rsd_cid";

    private ConnectionCookie() {
    }

    /** The connection id in a raw {@code Cookie} header (the WebSocket upgrade has no parsed cookies). */
    static String fromHeader(String cookieHeader) {
        for (String pair : cookieHeader.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().equals(NAME)) {
                return pair.substring(eq + 1).trim();
            }
        }
        return null;
    }

    static String read(ServerRequest req) {
        return req.headers().cookies().first(NAME).orElse(null);
    }

    /** The request's connection, if its cookie names one. */
    static Optional<Connection> find(Registry registry, ServerRequest req) {
        return registry.find(read(req));
    }

    /** The request's connection, minted (and the cookie set) when it has none. */
    static Connection connect(Registry registry, ServerRequest req, ServerResponse res) {
        String cookie = read(req);
        Connection connection = registry.connect(cookie);
        if (!connection.id().equals(cookie)) {
            set(req, res, connection);
        }
        return connection;
    }

    /** Sets the cookie to the connection's session id (a new one after login or logout). */
    static void set(ServerRequest req, ServerResponse res, Connection connection) {
        res.headers().addCookie(SetCookie.builder(NAME, connection.id())
                .httpOnly(true)
                .sameSite(SetCookie.SameSite.LAX)
                .path("/")
                // TLS here, or a trusted balancer's X-Forwarded-Proto (resident.trusted-proxies)
                .secure(ClientInfo.of(req).https())
                .build());
    }
}
