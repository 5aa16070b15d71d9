package dev.resident.web;

import dev.resident.metrics.HttpRequests;
import dev.resident.ops.Lifecycle;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The first check of {@link FrontFilter}: it counts the request ({@link HttpRequests}); methods an origin server never
 * serves ({@code CONNECT}, whose target has no path, and {@code TRACE}, which would echo cookies)
 * get 405 {@code method_not_allowed} before any route looks at them; a target that is not a path
 * (absolute-form, {@code OPTIONS *} apart) and a WebSocket upgrade with a malformed
 * {@code Sec-WebSocket-Key} get 400. Once the process drains, every answer closes its
 * connection: a proxy then keeps none of them to send a request on just as the process stops
 * (it would answer that request 502, as it must not send a POST again); its next request opens a
 * connection, which a stopped process refuses, and that one the proxy sends to another process.
 * Once the drain has released the pages, a page socket is refused with 503 before its upgrade.
 */
final class RequestGuard {
    private static final Set<Method> REFUSED = Set.of(Method.CONNECT, Method.TRACE);
    private static final HeaderName SEC_WEBSOCKET_KEY = HeaderNames.create("Sec-WebSocket-Key");
    private static final String PAGE_SOCKET = WebFront.API_ROOT + "/ws";
    private final Lifecycle lifecycle;
    private final AllowedHosts hosts;
    private final TrustedProxies proxies;

    RequestGuard(Lifecycle lifecycle, AllowedHosts hosts, TrustedProxies proxies) {
        this.lifecycle = lifecycle;
        this.hosts = hosts;
        this.proxies = proxies;
    }

    /** Whether the request goes on; when not, it has been answered. */
    boolean passes(RoutingRequest req, RoutingResponse res) {
        HttpRequests.counted();
        boolean upgrade = req.headers().contains(HeaderNames.UPGRADE);
        if (lifecycle.draining() && !upgrade) { // a 101 keeps its connection; the drain refuses sockets itself
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        if (!hosts.any() && !hosts.allows(req.authority())
                && !proxies.trusted(TrustedProxies.address(req.remotePeer().address()))) {
            // DNS rebinding: a page on another name, re-pointed here, would pass the origin checks
            res.header(HeaderValues.CONNECTION_CLOSE);
            Errors.send(res, 421, "misdirected", "this server does not serve that host name");
            return false;
        }
        if (REFUSED.contains(req.prologue().method())) {
            res.header(HeaderNames.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
            Errors.send(res, 405, "method_not_allowed", req.prologue().method().text() + " is not served here");
            return false;
        }
        if (!originForm(req.prologue().uriPath().rawPath())
                && !(req.prologue().method() == Method.OPTIONS && "*".equals(req.prologue().uriPath().rawPath()))) {
            // an absolute-form target (http://host/path, http:@host/) is a proxy's to take, not an origin
            // server's: Helidon's routes fail on some with a 500, and the legacy proxy would pass them on
            res.header(HeaderValues.CONNECTION_CLOSE);
            Errors.send(res, 400, "bad_request", "the request target must be a path starting with /");
            return false;
        }
        if (upgrade && incompleteWebSocketHandshake(req)) {
            // Helidon 4.5 answers an upgrade it does not take (no "Connection: upgrade") twice, its
            // second answer left on the connection for whoever sends the next request on it
            res.header(HeaderValues.CONNECTION_CLOSE);
            Errors.send(res, 400, "bad_request", "an Upgrade header without a WebSocket handshake");
            return false;
        }
        if (upgrade && !validKey(req.headers().first(SEC_WEBSOCKET_KEY))) {
            // Helidon 4.5 decodes the key without a check and fails with a 500 on a non-base64 key
            res.header(HeaderValues.CONNECTION_CLOSE);
            Errors.send(res, 400, "bad_request", "invalid Sec-WebSocket-Key header");
            return false;
        }
        if (upgrade && lifecycle.released() && PAGE_SOCKET.equals(req.prologue().uriPath().path())) {
            // its page is another process's to continue now: refused before the upgrade, where
            // nothing ran, so a proxy may send it to another process at once (HAProxy's retry-on
            // 503); after a 101 only the client could, after its backoff
            res.header(HeaderValues.CONNECTION_CLOSE);
            Errors.send(res, ApiError.unavailable("this process is stopping; try again")
                    .retryAfter(lifecycle.retryAfterSeconds()));
            return false;
        }
        return true;
    }

    /**
     * Whether an upgrade to WebSocket is asked for without the rest of the handshake (RFC 6455
     * §4.1: a GET whose {@code Connection} lists {@code upgrade}). Other upgrades (h2c) are not
     * taken and pass as plain requests.
     */
    private static boolean incompleteWebSocketHandshake(RoutingRequest req) {
        boolean webSocket = req.headers().first(HeaderNames.UPGRADE)
                .map(value -> value.toLowerCase(java.util.Locale.ROOT).contains("websocket")).orElse(false);
        return webSocket && (req.prologue().method() != Method.GET || !asksForUpgrade(req));
    }

    /** Whether a {@code Connection} header lists {@code upgrade}, in any case. */
    private static boolean asksForUpgrade(RoutingRequest req) {
        for (String value : req.headers().all(HeaderNames.CONNECTION, java.util.List::of)) {
            for (String token : value.split(",")) {
                if (token.trim().equalsIgnoreCase("upgrade")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** RFC 9112 §3.2.1: an origin server's target is a path (its query apart). */
    private static boolean originForm(String rawPath) {
        return rawPath != null && rawPath.startsWith("/");
    }

    /** RFC 6455 §4.1: the key is the base64 of 16 bytes (24 characters); absent is Helidon's to refuse. */
    private static boolean validKey(Optional<String> key) {
        if (key.isEmpty()) {
            return true;
        }
        String value = key.get().trim();
        if (value.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(value).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
