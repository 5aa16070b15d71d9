package dev.resident.web;

import io.helidon.webserver.http.ServerRequest;

/**
 * Who sent a request, as {@link RequestGuard} worked it out from the peer and, behind a trusted
 * balancer, its {@code X-Forwarded-For} / {@code X-Forwarded-Proto} ({@link TrustedProxies}).
 *
 * @param address the client's IP address, the key of the per-address caps
 * @param https   whether the browser used TLS (cookies get {@code Secure})
 */
public record ClientInfo(String address, boolean https) {
    /** What {@link RequestGuard} registered for {@code req}; the bare peer when it did not run. */
    public static ClientInfo of(ServerRequest req) {
        return req.context().get(ClientInfo.class, ClientInfo.class)
                .orElseGet(() -> new ClientInfo(TrustedProxies.address(req.remotePeer().address()), req.isSecure()));
    }
}
