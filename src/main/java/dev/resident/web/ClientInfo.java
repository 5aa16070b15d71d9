package dev.resident.web;

import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;

import java.net.SocketAddress;

/**
 * Who sent a request, worked out from the peer and, behind a trusted balancer, its
 * {@code X-Forwarded-For} / {@code X-Forwarded-Proto} ({@link TrustedProxies}). Made where it is
 * needed (opening a page, a login, setting the cookie), never for an rpc; each answer is worked
 * out when first asked for.
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

    public static ClientInfo of(ServerRequest req, TrustedProxies proxies) {
        return new ClientInfo(proxies, req.remotePeer().address(), req.headers(), req.isSecure());
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
