package dev.resident.bus.nats;

import io.nats.client.Connection;

import java.util.function.Consumer;

/**
 * The seam through which other parts of a process use the NATS connection of its bus (the site
 * admin view's request/reply), instead of opening a second one: the bus returned by {@link
 * NatsBuses#connect} implements it.
 */
public interface NatsLink {

    /** The site's subject prefix ({@code ipc.nats.prefix}). */
    String prefix();

    /** This process's id on NATS ({@code PROCESS_ID}, or the random one used when it is empty). */
    String process();

    /**
     * Hands the connection to {@code attach} once the client has one (at once when it has), on the
     * client's callback thread. It may not be connected yet: subscriptions made on it are sent when
     * it is, and renewed after every reconnect.
     */
    void whenConnected(Consumer<Connection> attach);

    /** One subject token for any name (a process id, ...), encoded like table and user names. */
    static String token(String name) {
        return Subjects.token(name);
    }
}
