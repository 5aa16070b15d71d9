package dev.resident.web;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the sockets' outbound queues hold together, in characters: in the whole process
 * ({@code limits.max-queued-bytes}) and per client address ({@code limits.per-address.queued-bytes}).
 * Each socket's queue is bounded on its own ({@code ws.queue-bytes}); this bounds them together, so
 * that many sockets that never read cannot fill the heap with copies of what is pushed to them.
 *
 * <p>Past a bound, a socket that is behind (it holds more than one write's worth,
 * {@code ws.max-write-bytes}), or that is handed a message larger than one write, is closed with
 * 1013 at that message: sockets that keep up hold less than that and go on. Counts are exact: a
 * message's characters count from its queueing until the write that carries it returns (a client
 * that does not read keeps that write waiting, and the message with it), or until it is dropped
 * ({@link SocketChannel}).
 */
final class QueuedChars {
    private final LongAdder total = new LongAdder();
    private final long maxTotal;
    private final long perAddress;
    /** Per address key, while it has sockets; null when the per-address bound is off. */
    private final ConcurrentHashMap<String, Share> addresses;
    /** Every socket's share when there is no per-address bound. */
    private final Share unbounded;

    /**
     * @param maxTotal   characters all the queues may hold before those behind are cut
     * @param perAddress characters one address's queues may hold; 0: no such bound
     */
    QueuedChars(long maxTotal, long perAddress) {
        this.maxTotal = maxTotal;
        this.perAddress = perAddress;
        this.addresses = perAddress > 0 ? new ConcurrentHashMap<>() : null;
        this.unbounded = new Share(null);
    }

    /** The share of a socket of {@code address}; give it back with {@link #leave} once its queue is empty for good. */
    Share join(String address) {
        if (addresses == null) {
            return unbounded;
        }
        return addresses.compute(address, (key, share) -> {
            Share joined = share != null ? share : new Share(key);
            joined.sockets++;
            return joined;
        });
    }

    void leave(Share share) {
        if (share.address != null) {
            addresses.computeIfPresent(share.address, (key, held) -> --held.sockets == 0 ? null : held);
        }
    }

    /** Characters queued in the whole process now. */
    long total() {
        return total.sum();
    }

    /** What the sockets of one address hold; the socket's own count is its own. */
    final class Share {
        private final String address;
        private final AtomicLong chars;
        /** Sockets that joined; guarded by the map's compute. */
        private int sockets;

        private Share(String address) {
            this.address = address;
            this.chars = address != null ? new AtomicLong() : null;
        }

        /** The key of the sockets' address; null when the per-address limits are off. */
        String address() {
            return address;
        }

        void add(long count) {
            total.add(count);
            if (chars != null) {
                chars.addAndGet(count);
            }
        }

        /**
         * Which bound is passed now, or null: a reason to close a socket with, which tells its
         * client (and a test) that it was cut for what all the sockets hold, not for its own queue.
         */
        String over() {
            if (chars != null && chars.get() > perAddress) {
                return "slow consumer: this address's sockets hold too much";
            }
            return total.sum() > maxTotal ? "slow consumer: this server's sockets hold too much" : null;
        }
    }
}
