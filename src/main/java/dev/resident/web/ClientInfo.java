package dev.resident.web;

import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;

import java.net.SocketAddress;

/**
 * Who sent a request, worked out from the peer and, behind a trusted balancer, its
 * {@code X-Forwarded-For} / {@code X-Forwarded-Proto} ({@link TrustedProxies}). {@link RequestGuard}
 * registers one per request; each answer is worked out when first asked for (an rpc asks for
 * neither), by the request's own thread.
 */
public final class ClientInfo {
    private final TrustedProxies proxies;
    private final SocketAddress peer;
    private final Headers headers;
    private final boolean secure;
    private String address;
    private Boolean https;

    ClientInfo(TrustedProxies proxies, SocketAddress peer, Headers headers, boolean secure) {
        this.proxies = proxies;
        this.peer = peer;
        this.headers = headers;
        this.secure = secure;
    }

    /** What {@link RequestGuard} registered for {@code req}; the bare peer when it did not run. */
    public static ClientInfo of(ServerRequest req) {
        return req.context().get(ClientInfo.class, ClientInfo.class)
                .orElseGet(() -> new ClientInfo(TrustedProxies.NONE, req.remotePeer().address(), req.headers(),
                        req.isSecure()));
    }

    /** The client's IP address, the key of the per-address caps. */
    public String address() {
        if (address == null) {
            address = proxies.clientAddress(peer, headers);
        }
        return address;
    }

    /** Whether the browser used TLS (cookies get {@code Secure}). */
    public boolean https() {
        if (https == null) {
            https = proxies.https(secure, peer, headers);
        }
        return https;
    }
}
