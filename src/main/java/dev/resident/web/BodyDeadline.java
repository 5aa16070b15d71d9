package dev.resident.web;

/**
 * Times the reading of a request body on the connection whose request the current thread runs: a
 * body that comes slower than {@code resident.limits.body-timeout} and {@code body-min-rate} allow
 * has its connection closed by the connection watch, and its reading fails. Without it a client
 * sending a body a byte now and then held a connection (and what reads it) for as long as it liked.
 */
public final class BodyDeadline implements AutoCloseable {
    private static final BodyDeadline NONE = new BodyDeadline(null);
    private final ConnectionWatch.Watched connection;

    private BodyDeadline(ConnectionWatch.Watched connection) {
        this.connection = connection;
    }

    /** Starts timing the body the current request is about to read; close it once read. */
    public static BodyDeadline start() {
        ConnectionWatch.Watched connection = ConnectionWatch.current();
        if (connection == null) {
            return NONE; // not a connection of the watch's (a test's own server)
        }
        connection.bodyBegins();
        return new BodyDeadline(connection);
    }

    /**
     * The current request was answered without reading its whole body, which Helidon reads and
     * drops before the next request: that reading is timed as a body's.
     */
    static void unreadBodyFollows() {
        ConnectionWatch.Watched connection = ConnectionWatch.current();
        if (connection != null) {
            connection.unreadBodyFollows();
        }
    }

    /** Whether the connection was closed because the body came too slowly. */
    public boolean cut() {
        return connection != null && connection.bodyCut();
    }

    /** The body is read: its connection is no longer timed. */
    @Override
    public void close() {
        if (connection != null) {
            connection.bodyEnds();
        }
    }
}
