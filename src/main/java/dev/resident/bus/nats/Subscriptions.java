package dev.resident.bus.nats;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.MessageHandler;
import io.nats.client.Subscription;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * This process's interest on NATS: every user's notifications, the broadcasts and the replaced
 * session ids always, and each table while one of its pages watches it. Tables watched before the
 * connection exists are subscribed when it arrives; the client renews all of them after a
 * reconnect.
 */
final class Subscriptions {
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> tables = new HashSet<>();
    private final Map<String, Subscription> subscribed = new HashMap<>();
    private final Subjects subjects;
    private final Inbound inbound;
    private final NatsSettings settings;
    private Dispatcher dispatcher;
    private boolean closed;
    /** The dispatcher's dropped count when the last message was delivered; read and written on its thread only. */
    private long droppedSeen;

    Subscriptions(Subjects subjects, Inbound inbound, NatsSettings settings) {
        this.subjects = subjects;
        this.inbound = inbound;
        this.settings = settings;
    }

    /** Subscribes on the connection, once it exists. One dispatcher keeps each table's events in order. */
    void attach(Connection connection) {
        lock.lock();
        try {
            dispatcher = connection.createDispatcher();
            dispatcher.setPendingLimits(settings.pendingMessages(), settings.pendingBytes());
            dispatcher.subscribe(subjects.allUsers(), afterDrops(inbound.notices()));
            dispatcher.subscribe(subjects.broadcast(), afterDrops(inbound.broadcasts()));
            dispatcher.subscribe(subjects.sessions(), afterDrops(inbound.sessions()));
            tables.forEach(this::subscribe);
        } finally {
            lock.unlock();
        }
    }

    void watch(String table) {
        lock.lock();
        try {
            if (tables.add(table) && dispatcher != null && !closed) {
                subscribe(table);
            }
        } finally {
            lock.unlock();
        }
    }

    void unwatch(String table) {
        lock.lock();
        try {
            tables.remove(table);
            Subscription subscription = subscribed.remove(table);
            if (subscription != null && !closed) {
                dispatcher.unsubscribe(subscription);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops changing subscriptions: the connection is draining them. */
    void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    private void subscribe(String table) {
        subscribed.put(table, dispatcher.subscribe(subjects.table(table), afterDrops(inbound.dbevents())));
    }

    /**
     * Before a delivery, whether NATS dropped messages for this process since the last one (past
     * {@code ipc.nats.pending}: a slow consumer): then every watched table's pages are told they
     * missed changes. NATS drops only while messages wait, so one is always delivered after a drop.
     */
    private MessageHandler afterDrops(MessageHandler handler) {
        Dispatcher current = dispatcher;
        return message -> {
            long dropped = current.getDroppedCount();
            if (dropped != droppedSeen) {
                droppedSeen = dropped;
                inbound.missed(watched());
            }
            handler.onMessage(message);
        };
    }

    private Set<String> watched() {
        lock.lock();
        try {
            return Set.copyOf(tables);
        } finally {
            lock.unlock();
        }
    }
}
