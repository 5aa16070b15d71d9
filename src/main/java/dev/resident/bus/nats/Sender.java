package dev.resident.bus.nats;

import dev.resident.bus.nats.OutageBuffer.Outgoing;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.ThrottledLog;
import io.nats.client.Connection;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The outbound half of the bus. While NATS is reachable a message goes straight to the connection;
 * otherwise it waits in the reconnect buffer. After a reconnect the buffer, and whatever is
 * published meanwhile, is held for the resubscribe grace and then sent in order: the other
 * processes lost their subscriptions in the same outage and need that long to renew them, and
 * core NATS does not keep a message for a subscriber that is not there yet.
 */
final class Sender {
    private static final System.Logger LOGGER = System.getLogger(Sender.class.getName());
    /**
     * How long the buffer waits before it is tried again when NATS refused a message while the link
     * stayed up (its outgoing queue full past the client's push timeout): no connection event comes then.
     */
    private static final Duration CONGESTION_PAUSE = Duration.ofSeconds(1);
    private final ThrottledLog tooLargeLog = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofSeconds(30));
    private final ReentrantLock lock = new ReentrantLock();
    private final OutageBuffer buffer;
    private final Duration grace;
    private final Executor executor;
    private final ResidentMeters meters;
    private Connection connection;
    /** Messages go to the buffer, not the connection: before the first connect, during and just after an outage. */
    private boolean holding = true;
    /** Counts link losses, so the grace timer of an earlier reconnect cannot release the buffer early. */
    private long outages;
    private boolean overflowReported;
    /** A try of the buffer after {@link #CONGESTION_PAUSE} is scheduled. */
    private boolean congestionRetry;
    private boolean closed;

    /**
     * @param executor runs the release after the grace
     */
    Sender(NatsSettings settings, Executor executor, ResidentMeters meters) {
        this.buffer = new OutageBuffer(settings.reconnectBuffer());
        this.grace = settings.resubscribeGrace();
        this.executor = executor;
        this.meters = meters;
    }

    /** Takes the connection, once it exists (it may not be connected yet). */
    void attach(Connection connection) {
        lock.lock();
        try {
            this.connection = connection;
        } finally {
            lock.unlock();
        }
    }

    /** Whether messages go straight to NATS: connected, and nothing kept from an outage waits any more. */
    boolean flowing() {
        lock.lock();
        try {
            return !holding && !closed && connection.getStatus() == Connection.Status.CONNECTED;
        } finally {
            lock.unlock();
        }
    }

    /** Sends a message now, or buffers it while NATS cannot take it. */
    void send(String subject, byte[] data) {
        send(subject, data, null);
    }

    /**
     * Sends a message now, or buffers it while NATS cannot take it.
     *
     * @param tooLarge what to send instead if NATS refuses {@code data} as past its {@code max_payload}
     */
    void send(String subject, byte[] data, Supplier<byte[]> tooLarge) {
        Outgoing message = new Outgoing(subject, data, tooLarge);
        lock.lock();
        try {
            if (closed) {
                meters.busDropped.increment();
                return;
            }
            if (!holding) {
                if (publish(message)) {
                    return;
                }
                holding = true; // the link dropped before its event reached us, or NATS's outgoing queue stayed full
                retryWhileUp();
            }
            if (!buffer.offer(message)) {
                meters.busDropped.increment();
                if (!overflowReported) {
                    overflowReported = true;
                    LOGGER.log(Level.WARNING, "NATS reconnect buffer full: messages for the other processes are "
                            + "dropped until NATS is back (raise ipc.nats.reconnect.buffer to keep more)");
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The first connection is up: the other processes are already subscribed, send at once. */
    void connected() {
        lock.lock();
        try {
            release();
        } finally {
            lock.unlock();
        }
    }

    /** The link is lost: buffer from now on. */
    void disconnected() {
        lock.lock();
        try {
            holding = true;
            outages++;
        } finally {
            lock.unlock();
        }
    }

    /** The link is back: send the buffer after the grace, unless the link is lost again meanwhile. */
    void reconnected() {
        long outage;
        lock.lock();
        try {
            outage = outages;
        } finally {
            lock.unlock();
        }
        CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS, executor)
                .execute(() -> releaseAfter(outage));
    }

    /** Sends what it can of the buffer, then refuses further messages. Safe twice. */
    void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (connection != null && connection.getStatus() == Connection.Status.CONNECTED) {
                release();
            }
            closed = true;
            if (!buffer.isEmpty()) {
                meters.busDropped.increment(buffer.size());
                LOGGER.log(Level.WARNING, buffer.size()
                        + " bus messages were never sent: NATS was unreachable at shutdown");
            }
        } finally {
            lock.unlock();
        }
    }

    private void releaseAfter(long outage) {
        lock.lock();
        try {
            if (!closed && outage == outages) {
                release();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sends the buffer in order and resumes direct sending, unless the link drops on the way. */
    private void release() {
        int sent = 0;
        for (Outgoing message = buffer.peek(); message != null; message = buffer.peek()) {
            if (!publish(message)) {
                retryWhileUp();
                return;
            }
            buffer.removeFirst();
            sent++;
        }
        holding = false;
        overflowReported = false;
        if (sent > 0) {
            LOGGER.log(Level.INFO, "sent " + sent + " bus messages kept while NATS was unreachable");
        }
    }

    /**
     * NATS refused a message though the link is up: the client's outgoing queue stayed full (a
     * server that stalls, a burst past what the socket drains). No connection event will come to
     * release the buffer, so it is tried again after a pause; a lost link is left to its reconnect.
     */
    private void retryWhileUp() {
        if (congestionRetry || closed || connection.getStatus() != Connection.Status.CONNECTED) {
            return;
        }
        congestionRetry = true;
        long outage = outages;
        CompletableFuture.delayedExecutor(CONGESTION_PAUSE.toMillis(), TimeUnit.MILLISECONDS, executor).execute(() -> {
            lock.lock();
            try {
                congestionRetry = false;
            } finally {
                lock.unlock();
            }
            releaseAfter(outage);
        });
    }

    /** Hands a message to the connection; false if the connection cannot take it now. */
    private boolean publish(Outgoing message) {
        try {
            byte[] data = message.data();
            long max = connection.getMaxPayload();
            if (max > 0 && data.length > max && message.tooLarge() != null) {
                tooLargeLog.log("a bus message of " + data.length + " bytes is past NATS's max_payload (" + max
                        + ") on " + Subjects.forLog(message.subject()) + ": the other processes get its stand-in");
                data = message.tooLarge().get();
            }
            connection.publish(message.subject(), data);
        } catch (IllegalStateException e) {
            return false; // disconnected: the client keeps no reconnect buffer of its own
        } catch (IllegalArgumentException e) {
            meters.busDropped.increment();
            LOGGER.log(Level.WARNING, "dropped a bus message NATS refuses (" + e.getMessage() + ") on "
                    + Subjects.forLog(message.subject()));
        }
        return true;
    }
}
