package dev.resident.state.nats;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state store's view of the shared NATS connection while it reconnects. The client refuses a
 * request outright then (it buffers nothing: {@code reconnectBufferSize(0)}), so nothing is sent
 * and nothing is in doubt; the request waits here for the link instead, up to its deadline, and a
 * NATS restart or a blip shorter than the request timeout fails no login and no {@code Store} write.
 */
final class KvLink implements ConnectionListener {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicInteger waiting = new AtomicInteger();

    /** Listens to {@code connection}'s events from now on. */
    void watch(Connection connection) {
        connection.addConnectionListener(this);
    }

    @Override
    public void connectionEvent(Connection connection, Events type) {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the client is reconnecting: it refuses requests, and will take them again. */
    static boolean reconnecting(Connection connection) {
        Connection.Status status = connection.getStatus();
        return status == Connection.Status.RECONNECTING || status == Connection.Status.DISCONNECTED;
    }

    /** Waits while {@code connection} reconnects, until {@code deadline} ({@link System#nanoTime}). */
    void awaitConnected(Connection connection, long deadline) throws InterruptedException {
        if (!reconnecting(connection)) {
            return;
        }
        waiting.incrementAndGet();
        lock.lock();
        try {
            long left;
            while (reconnecting(connection) && (left = deadline - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
            waiting.decrementAndGet();
        }
    }

    /** Requests waiting for the link right now. */
    int waiting() {
        return waiting.get();
    }
}
