package dev.resident.web;

import io.helidon.http.HeaderNames;
import io.helidon.common.socket.SocketContext;
import io.helidon.http.Headers;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The load balancers allowed to speak for the client ({@code resident.trusted-proxies}: addresses
 * or CIDR blocks). Only when the peer is one of them are its {@code X-Forwarded-For} (the client's
 * address: the rightmost entry that is not itself a trusted proxy) and {@code X-Forwarded-Proto}
 * (a TLS-terminating balancer: cookies get {@code Secure}) believed; from anyone else they are
 * ignored. Empty: nobody is trusted.
 */
public final class TrustedProxies {
    /** No balancer trusted: the peer is the client. */
    static final TrustedProxies NONE = new TrustedProxies(List.of());
    private final List<Block> blocks;
    /** The entries whose blocks are wider than any balancer's network ({@link Block#wide}). */
    private final List<String> wide;

    /** @throws IllegalArgumentException on an entry that is not an IP address or CIDR block */
    public TrustedProxies(List<String> entries) {
        List<Block> parsed = new ArrayList<>();
        List<String> wideEntries = new ArrayList<>();
        for (String entry : entries) {
            Block block = Block.parse(entry.trim());
            parsed.add(block);
            if (block.wide()) {
                wideEntries.add(entry.trim());
            }
        }
        this.blocks = List.copyOf(parsed);
        this.wide = List.copyOf(wideEntries);
    }

    /**
     * The entries wider than any balancer's network (an IPv4 prefix under /8, an IPv6 one under
     * /16): every client in them may claim any address, and is exempt from the per-address caps.
     */
    public List<String> wideEntries() {
        return wide;
    }

    /** The client's address: the peer's, or behind trusted proxies what they forwarded. */
    public String clientAddress(SocketAddress peer, Headers headers) {
        String address = address(peer);
        if (!trusted(address)) {
            return address;
        }
        List<String> chain = new ArrayList<>();
        for (String value : headers.all(HeaderNames.X_FORWARDED_FOR, List::of)) {
            for (String hop : value.split(",")) {
                if (!hop.isBlank()) {
                    chain.add(hop.trim());
                }
            }
        }
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (!trusted(chain.get(i))) {
                return chain.get(i);
            }
        }
        return chain.isEmpty() ? address : chain.get(0);
    }

    /**
     * The {@code X-Forwarded-For} to send on to an upstream app: the chain that came in only when the
     * peer is a trusted proxy (anyone else could write any address in it), then the peer.
     */
    public String forwardedFor(SocketAddress peer, Headers headers) {
        String address = address(peer);
        String before = trusted(address) ? String.join(", ", headers.all(HeaderNames.X_FORWARDED_FOR, List::of)) : "";
        return before.isBlank() ? address : before + ", " + address;
    }

    /** Like {@link #https(boolean, SocketAddress, Headers)}, for an upgraded socket and its upgrade request's headers. */
    public boolean https(SocketContext socket, Headers headers) {
        return https(socket.isSecure(), socket.remotePeer().address(), headers);
    }

    /** True when the client reached Resident over TLS, itself or through a trusted balancer. */
    public boolean https(boolean secure, SocketAddress peer, Headers headers) {
        if (secure) {
            return true;
        }
        if (!trusted(address(peer))) {
            return false;
        }
        List<String> protos = headers.all(HeaderNames.X_FORWARDED_PROTO, List::of);
        return !protos.isEmpty() && "https".equals(protos.get(protos.size() - 1).trim().toLowerCase(Locale.ROOT));
    }

    boolean trusted(String address) {
        if (blocks.isEmpty()) {
            return false;
        }
        byte[] bytes = IpLiteral.bytes(address);
        return bytes != null && blocks.stream().anyMatch(block -> block.contains(bytes));
    }

    static String address(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : String.valueOf(peer);
    }

    private record Block(byte[] network, int bits) {
        static Block parse(String entry) {
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            byte[] network = IpLiteral.bytes(host);
            if (network == null) {
                throw new IllegalArgumentException("resident.trusted-proxies: not an IP address or CIDR block: " + entry);
            }
            int bits = slash < 0 ? network.length * 8 : Integer.parseInt(entry.substring(slash + 1));
            if (bits < 0 || bits > network.length * 8) {
                throw new IllegalArgumentException("resident.trusted-proxies: bad prefix length in " + entry);
            }
            return new Block(network, bits);
        }

        /** Wider than any balancer's network: an IPv4 prefix under /8, an IPv6 one under /16. */
        boolean wide() {
            return bits < (network.length == 4 ? 8 : 16);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < bits; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((address[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
