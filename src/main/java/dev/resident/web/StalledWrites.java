package dev.resident.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One sweep's stalled writes by client address, and those beyond the address's cap
 * ({@code resident.limits.per-address.stalled-writes}). A client that stops reading leaves what it
 * was sent in its socket's kernel send buffer, which Linux grows up to {@code tcp_wmem}'s max (4 MB)
 * for such a socket, and the send timeout frees it only after a minute: the 2,500 connections one
 * address may hold could fill the machine's TCP memory ({@code tcp_mem}, which every socket of the
 * machine shares) for that long. Capping how many of one address's connections may sit on a full
 * buffer bounds its share.
 * <p>
 * A write is stalled once it has waited {@link #AFTER} ({@link WatchedWriter} times pieces of at
 * most 16 KiB): a blocked write wakes when a third of the send buffer is free, so its client took
 * less than that in a second. A client that reads ends its writes and is not counted. Of one
 * address's stalled connections, those stalled longest are closed: they are the likeliest never to
 * read again, and a write stalled a moment ago the likeliest to be a reader's pause.
 *
 * @param <C> a connection
 */
final class StalledWrites<C> {
    /** How long a write waits for its client before it is stalled. */
    static final Duration AFTER = Duration.ofSeconds(1);
    private static final long AFTER_NANOS = AFTER.toNanos();
    private final int cap;
    private final long now;
    /** Made at the first stall: most sweeps see none. */
    private Map<String, List<Stall<C>>> byAddress;

    /**
     * @param cap stalled writes one address may have
     * @param now the sweep's time ({@link System#nanoTime()})
     */
    StalledWrites(int cap, long now) {
        this.cap = cap;
        this.now = now;
    }

    /** Counts {@code connection} under {@code address} if its write, begun at {@code writeStarted} (0: none), is stalled. */
    void add(String address, long writeStarted, C connection) {
        if (writeStarted == 0 || now - writeStarted <= AFTER_NANOS) {
            return;
        }
        if (byAddress == null) {
            byAddress = new HashMap<>();
        }
        byAddress.computeIfAbsent(address, a -> new ArrayList<>()).add(new Stall<>(now - writeStarted, connection));
    }

    /** The connections beyond their address's cap, those stalled longest. */
    List<C> beyondCap() {
        if (byAddress == null) {
            return List.of();
        }
        List<C> beyond = new ArrayList<>();
        for (List<Stall<C>> stalls : byAddress.values()) {
            if (stalls.size() > cap) {
                stalls.sort(Comparator.comparingLong((Stall<C> stall) -> stall.waited).reversed());
                for (Stall<C> stall : stalls.subList(0, stalls.size() - cap)) {
                    beyond.add(stall.connection);
                }
            }
        }
        return beyond;
    }

    private record Stall<C>(long waited, C connection) {
    }
}
