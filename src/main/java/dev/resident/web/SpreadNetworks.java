package dev.resident.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The IPv6 /48 networks that count as one client. An IPv6 client counts by its /64, but whoever
 * holds a /48 (a free tunnel broker hands one out) holds 65,536 of them, each with every per-address
 * cap of its own. A /48 from which more than {@code networksPer48} different /64s came within one
 * {@code window} is <em>spread</em>: from then on, until it has been quiet for a whole window, its
 * clients count as one, by the /48, as a whole office does behind one IPv4 address.
 *
 * <p>What an address holds stays under the key it was counted by, so a spread /48 has taken at
 * most {@code networksPer48} /64s' shares and then one more. The networks remembered are bounded:
 * past {@code maxTracked}, the one seen longest ago is forgotten.
 */
final class SpreadNetworks {
    private final int networksPer48;
    private final long windowNanos;
    private final LongSupplier nanoClock;
    private final Map<Long, Network> networks;

    /**
     * @param networksPer48 different /64s a /48 may show within a window and stay /64s (0: every /64
     *                      is a client of its own, whatever its /48)
     * @param window        how long a spread /48 stays spread after its last request, and the span
     *                      in which its /64s are counted
     * @param maxTracked    /48 networks remembered at once
     * @param nanoClock     {@link System#nanoTime}, or a test's clock
     */
    SpreadNetworks(int networksPer48, Duration window, int maxTracked, LongSupplier nanoClock) {
        this.networksPer48 = networksPer48;
        this.windowNanos = window.toNanos();
        this.nanoClock = nanoClock;
        this.networks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Network> eldest) {
                return size() > maxTracked;
            }
        };
    }

    /**
     * Notes a request from the /64 {@code net64} (the first 64 bits of the address) and answers
     * whether its /48 counts as one client.
     */
    boolean spread(long net64) {
        if (networksPer48 <= 0) {
            return false;
        }
        long now = nanoClock.getAsLong();
        synchronized (networks) {
            Network network = networks.computeIfAbsent(net64 >>> 16, k -> new Network(networksPer48, now));
            return network.seen(net64, now, windowNanos);
        }
    }

    /** The /64s of one /48 seen in the current window, until more than allowed are. */
    private static final class Network {
        private final long[] seen;
        private int count;
        private long windowStart;
        private long spreadUntil;
        private boolean spread;

        Network(int allowed, long now) {
            this.seen = new long[allowed];
            this.windowStart = now;
        }

        boolean seen(long net64, long now, long windowNanos) {
            if (spread) {
                if (now - spreadUntil <= 0) {
                    spreadUntil = now + windowNanos;
                    return true;
                }
                spread = false;
                count = 0;
                windowStart = now;
            } else if (now - windowStart > windowNanos) {
                count = 0;
                windowStart = now;
            }
            for (int i = 0; i < count; i++) {
                if (seen[i] == net64) {
                    return false;
                }
            }
            if (count < seen.length) {
                seen[count++] = net64;
                return false;
            }
            spread = true;
            spreadUntil = now + windowNanos;
            return true;
        }
    }
}
