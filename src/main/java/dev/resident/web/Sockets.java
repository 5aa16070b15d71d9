package dev.resident.web;

import dev.resident.metrics.ResidentMeters;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open sockets of this process, for metrics and for closing them all on shutdown. */
public final class Sockets {
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

    public Sockets(ResidentMeters meters) {
        meters.gauge("resident.sockets.open", "open WebSockets", open::size);
    }

    void add(SocketChannel channel) {
        open.add(channel);
    }

    void remove(SocketChannel channel) {
        open.remove(channel);
        synchronized (open) {
            open.notifyAll();
        }
    }

    /** Waits until every socket has finished closing, or {@code timeout} has passed. */
    public void awaitClosed(java.time.Duration timeout) throws InterruptedException {
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

    /** Closes every socket with {@code code} (1001 on shutdown: reconnect elsewhere). */
    public void closeAll(int code, String reason) {
        open.forEach(channel -> channel.close(code, reason));
    }
}
