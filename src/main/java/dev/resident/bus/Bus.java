package dev.resident.bus;

/**
 * The channel that carries dbevents, user notifications and broadcasts to the pages that want
 * them, in this process and (depending on the backend) in every other process of the site.
 *
 * <p>A backend delivers to its {@link BusListener} in this process at once, without waiting for a
 * network round trip, and never delivers the same event twice to one process.
 */
public interface Bus extends AutoCloseable {

    /** Publishes a batch of changes of one table. */
    void publish(DbEvent event);

    /** Sends a notification to every page of a user. */
    void notifyUser(UserNotice notice);

    /** Sends a message to every page. */
    void broadcast(Broadcast broadcast);

    /** This process has its first page watching {@code table}; called once per transition. */
    void watchTable(String table);

    /** The last page of this process watching {@code table} has gone; called once per transition. */
    void unwatchTable(String table);

    /** Whether the bus can reach the other processes (always true for a single-process bus). */
    boolean connected();

    /** Stops delivery; safe to call twice. */
    @Override
    void close();
}
