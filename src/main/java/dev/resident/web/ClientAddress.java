package dev.resident.web;

import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The client address that per-client limits are keyed by: the peer's IPv4 address, or the /64
 * network of an IPv6 peer (one host usually holds a whole /64, so single IPv6 addresses would let
 * it mint keys without end), or its /48 when that /48 spreads over many /64s ({@link SpreadNetworks}).
 * Behind a trusted balancer ({@code resident.trusted-proxies}) it is the client it forwarded for
 * ({@link ClientInfo}).
 */
final class ClientAddress {
    private final TrustedProxies proxies;
    private final SpreadNetworks spread;

    ClientAddress(TrustedProxies proxies, SpreadNetworks spread) {
        this.proxies = proxies;
        this.spread = spread;
    }

    /** The balancers believed about the client's address. */
    TrustedProxies proxies() {
        return proxies;
    }

    String of(ServerRequest req) {
        return of(req.remotePeer().address(), req.headers());
    }

    /** @param headers the request's headers (a trusted proxy's forwarded client) */
    String of(SocketAddress peer, Headers headers) {
        InetAddress client = IpLiteral.address(proxies.clientAddress(peer, headers));
        if (client != null) {
            return of(client);
        }
        // a trusted proxy forwarded something that is no address: counted as the proxy's own
        return peer instanceof InetSocketAddress socket && socket.getAddress() != null
                ? of(socket.getAddress()) : String.valueOf(peer);
    }

    /** The key of a peer seen directly, with no proxy's word about it. */
    String of(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] bytes = v6.getAddress();
            boolean wholeSlash48 = spread.spread(ByteBuffer.wrap(bytes).getLong());
            return network(bytes, wholeSlash48 ? 48 : 64);
        }
        return address.getHostAddress();
    }

    private static String network(byte[] address, int prefix) {
        byte[] network = Arrays.copyOf(address, 16);
        Arrays.fill(network, prefix / 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
