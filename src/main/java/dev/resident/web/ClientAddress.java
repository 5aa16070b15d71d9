package dev.resident.web;

import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;

/**
 * The client address that per-client limits are keyed by: the peer's IPv4 address, or the /64
 * network of an IPv6 peer (one host usually holds a whole /64, so single IPv6 addresses would let
 * it mint keys without end). Behind a trusted balancer ({@code resident.trusted-proxies}) it is the
 * client it forwarded for ({@link ClientInfo}).
 */
final class ClientAddress {
    private ClientAddress() {
    }

    static String of(ServerRequest req, TrustedProxies proxies) {
        return of(req.remotePeer().address(), req.headers(), proxies);
    }

    /** @param headers the request's headers (a trusted proxy's forwarded client) */
    static String of(SocketAddress peer, Headers headers, TrustedProxies proxies) {
        String client = proxies.clientAddress(peer, headers);
        if (client.matches("[0-9A-Fa-f:.]+")) {
            return key(client);
        }
        return peer instanceof InetSocketAddress socket && socket.getAddress() != null
                ? key(socket.getAddress()) : String.valueOf(peer);
    }

    /** The key of {@code client}, an IP literal ({@link TrustedProxies#clientAddress}). */
    static String key(String client) {
        try {
            return key(InetAddress.getByName(client)); // an IP literal: no name lookup
        } catch (java.net.UnknownHostException e) {
            return client;
        }
    }

    static String key(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] network = Arrays.copyOf(v6.getAddress(), 16);
            Arrays.fill(network, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(network).getHostAddress() + "/64";
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return address.getHostAddress();
    }
}
