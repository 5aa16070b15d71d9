package dev.resident.bus.nats;

import dev.resident.bus.Broadcast;
import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.DbEvent;
import dev.resident.bus.TooLargeForBus;
import dev.resident.bus.UserNotice;
import io.nats.client.Connection;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bus over NATS. Each event is delivered to this process's listener at once, on the
 * publisher's thread, and sent to NATS as one message for the other processes.
 */
final class NatsBus implements Bus, NatsLink {
    private static final System.Logger LOGGER = System.getLogger(NatsBus.class.getName());
    private final Subjects subjects;
    private final Envelope envelope;
    private final BusListener listener;
    private final Sender sender;
    private final Subscriptions subscriptions;
    private final Duration drainTimeout;
    private final ExecutorService executor;
    private final AtomicReference<Connection> connection = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final String prefix;
    private final String process;
    /** Guards {@link #attachments} against the connection's arrival, so each gets it exactly once. */
    private final ReentrantLock attaching = new ReentrantLock();
    private final List<Consumer<Connection>> attachments = new ArrayList<>();
    /** The connection once handed to the attachments; guarded by {@link #attaching}. */
    private Connection handedOut;

    /**
     * @param executor the client's threads; this bus shuts it down when it closes
     */
    NatsBus(NatsSettings settings, Subjects subjects, Envelope envelope, BusListener listener, Sender sender,
            Subscriptions subscriptions, ExecutorService executor) {
        this.prefix = settings.prefix();
        this.process = settings.process();
        this.subjects = subjects;
        this.envelope = envelope;
        this.listener = listener;
        this.sender = sender;
        this.subscriptions = subscriptions;
        this.drainTimeout = settings.drainTimeout();
        this.executor = executor;
    }

    // Each publish sends before delivering locally: the message is on its way while local pages are served.

    @Override
    public void publish(DbEvent event) {
        // a batch past NATS's max_payload cannot cross: the other processes' pages reload the table instead
        String table = event.table(); // the stand-in keeps the name only, not the rows
        sender.send(subjects.table(table), envelope.dbevent(event),
                () -> envelope.dbevent(new DbEvent(table, Envelope.reloadAll(), null)));
        listener.onDbEvent(event);
    }

    @Override
    public void notifyUser(UserNotice notice) {
        sender.send(subjects.user(notice.user()), carried("a notice", envelope.notice(notice)));
        listener.onNotify(notice);
    }

    @Override
    public void broadcast(Broadcast broadcast) {
        sender.send(subjects.broadcast(), carried("a broadcast", envelope.broadcast(broadcast)));
        listener.onBroadcast(broadcast);
    }

    /**
     * {@code data}, checked against NATS's {@code max_payload} (known once connected): the client
     * refuses a larger message, and a notice or broadcast has no stand-in that would tell the other
     * processes' pages what they missed (a dbevent has: a reload), so it is refused whole.
     */
    private byte[] carried(String what, byte[] data) {
        Connection current = connection.get();
        long most = current == null ? 0 : current.getMaxPayload();
        if (most > 0 && data.length > most) {
            throw new TooLargeForBus(what, data.length, most);
        }
        return data;
    }

    @Override
    public void sessionReplaced(String sessionId) {
        sender.send(subjects.sessions(), envelope.sessionReplaced(sessionId));
    }

    @Override
    public void watchTable(String table) {
        subscriptions.watch(table);
    }

    @Override
    public void unwatchTable(String table) {
        subscriptions.unwatch(table);
    }

    /** True once connected, subscribed and done sending what was kept during an outage. */
    @Override
    public boolean connected() {
        return sender.flowing();
    }

    /** Takes the client's connection when its first event brings it; later calls do nothing. */
    void attach(Connection created) {
        if (!connection.compareAndSet(null, created)) {
            return;
        }
        if (closed.get()) {
            shutDown(created);
            return;
        }
        sender.attach(created);
        subscriptions.attach(created);
        attaching.lock();
        try {
            handedOut = created;
            attachments.forEach(attach -> attach.accept(created));
        } finally {
            attaching.unlock();
        }
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public String process() {
        return process;
    }

    @Override
    public void whenConnected(Consumer<Connection> attach) {
        attaching.lock();
        try {
            attachments.add(attach);
            if (handedOut != null && !closed.get()) {
                attach.accept(handedOut);
            }
        } finally {
            attaching.unlock();
        }
    }

    /** Sends what it still can, drains the connection (in-flight messages are delivered) and stops the client. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        subscriptions.close();
        sender.close();
        Connection current = connection.get();
        if (current != null) {
            shutDown(current);
        }
    }

    private void shutDown(Connection current) {
        try {
            if (current.getStatus() == Connection.Status.CONNECTED) {
                current.drain(drainTimeout).get(drainTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            }
        } catch (TimeoutException | ExecutionException | IllegalStateException e) {
            LOGGER.log(Level.WARNING, "NATS drain did not finish: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                current.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor.shutdownNow();
        }
    }
}
