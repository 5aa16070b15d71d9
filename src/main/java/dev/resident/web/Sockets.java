package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

/**
 * The open sockets of this process: for metrics, for the heartbeat (one timer pings every socket
 * idle for an interval, so idle sockets need no thread of their own), for closing them all on
 * shutdown, and for closing one of an address's when another client takes its place in a full
 * process (found by the address, not by a walk over every socket).
 */
public final class Sockets implements AutoCloseable {
    /** Heartbeat checks per interval, and at least one a second. */
    private static final int CHECKS_PER_INTERVAL = 4;
    private static final long MAX_CHECK_MILLIS = 1000;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    /** The open sockets by the key of their client's address, when the per-address limits are on. */
    private final Map<String, Set<SocketChannel>> byAddress = new ConcurrentHashMap<>();
    /** The open sockets that are not pages' (legacy tunnels) by the key of their client's address. */
    private final Map<String, Set<OtherSocket>> othersByAddress = new ConcurrentHashMap<>();
    private final Future<?> heartbeat;

    /**
     * A socket is pinged at the first check that finds it silent for the interval less one check
     * period, so no socket stays silent longer than the interval (PROTOCOL.md: one ping per
     * interval; proxies cut sockets idle past their timeout).
     *
     * @param timers the process's timers, which run the heartbeat
     */
    public Sockets(ResidentMeters meters, Duration interval, Timers timers) {
        meters.gauge("resident.sockets.open", "open WebSockets", open::size);
        long every = Math.max(1, Math.min(MAX_CHECK_MILLIS, interval.toMillis() / CHECKS_PER_INTERVAL));
        Duration idle = interval.minusMillis(every);
        heartbeat = timers.every("ws-heartbeat", Duration.ofMillis(every), () -> {
            long now = System.nanoTime();
            open.forEach(channel -> channel.heartbeat(now, idle));
        });
    }

    void add(SocketChannel channel) {
        open.add(channel);
        String address = channel.address();
        if (address != null) {
            addTo(byAddress, address, channel);
        }
    }

    void remove(SocketChannel channel) {
        open.remove(channel);
        String address = channel.address();
        if (address != null) {
            removeFrom(byAddress, address, channel);
        }
        synchronized (open) {
            open.notifyAll();
        }
    }

    void addOther(String address, OtherSocket socket) {
        addTo(othersByAddress, address, socket);
    }

    void removeOther(String address, OtherSocket socket) {
        removeFrom(othersByAddress, address, socket);
    }

    private static <T> void addTo(Map<String, Set<T>> byAddress, String address, T socket) {
        byAddress.compute(address, (key, held) -> {
            Set<T> sockets = held == null ? ConcurrentHashMap.newKeySet() : held;
            sockets.add(socket);
            return sockets;
        });
    }

    /** Takes {@code socket} out of its address's set, and the set out of the map once empty. */
    private static <T> void removeFrom(Map<String, Set<T>> byAddress, String address, T socket) {
        byAddress.computeIfPresent(address, (key, held) -> held.remove(socket) && held.isEmpty() ? null : held);
    }

    /** Waits until every socket has finished closing, or {@code timeout} has passed. */
    public void awaitClosed(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (open) {
            while (!open.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                open.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    public int count() {
        return open.size();
    }

    /**
     * Closes one socket of {@code address} (the key of the per-address limits) that is not closing
     * yet, a page's or else another (a legacy tunnel); whether there was one.
     */
    boolean closeOneOf(String address, int code, String reason) {
        for (SocketChannel channel : byAddress.getOrDefault(address, Set.of())) {
            if (!channel.isClosing()) {
                channel.close(code, reason);
                return true;
            }
        }
        for (OtherSocket other : othersByAddress.getOrDefault(address, Set.of())) {
            if (!other.isClosing()) {
                other.giveWay(code, reason);
                return true;
            }
        }
        return false;
    }

    /** Closes every socket with {@code code} (1001 on shutdown: reconnect elsewhere). */
    public void closeAll(int code, String reason) {
        open.forEach(channel -> channel.close(code, reason));
    }

    /** Stops the heartbeat. */
    @Override
    public void close() {
        heartbeat.cancel(false);
    }
}
