package dev.resident.bus;

/**
 * The channel that carries dbevents, user notifications and broadcasts to the pages that want
 * them, in this process and (depending on the backend) in every other process of the site; and
 * to the other processes, the session ids that logins and logouts replaced.
 *
 * <p>A backend delivers to its {@link BusListener} in this process at once, without waiting for a
 * network round trip, and never delivers the same event twice to one process.
 */
public interface Bus extends AutoCloseable {

    /** Publishes a batch of changes of one table. */
    void publish(DbEvent event);

    /**
     * Sends a notification to every page of a user.
     *
     * @throws TooLargeForBus when it cannot reach the other processes (it reaches no page then)
     */
    void notifyUser(UserNotice notice);

    /**
     * Sends a message to every page.
     *
     * @throws TooLargeForBus when it cannot reach the other processes (it reaches no page then)
     */
    void broadcast(Broadcast broadcast);

    /**
     * Tells the other processes that a login or logout here replaced session id {@code sessionId}:
     * one that holds the session under it checks it against the state store at its next request,
     * rather than up to a recheck interval later. Not delivered in this process, which knows.
     */
    void sessionReplaced(String sessionId);

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
