package dev.resident.bus.nats;

import dev.resident.metrics.ResidentMeters;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;

import java.lang.System.Logger.Level;

/**
 * What the NATS client reports about its connection, logged and counted, and passed on to the
 * {@link Sender}. Connection events arrive in order on the client's callback thread.
 */
final class ConnectionEvents implements ConnectionListener, ErrorListener {
    private static final System.Logger LOGGER = System.getLogger(ConnectionEvents.class.getName());
    private final java.util.function.Consumer<Connection> attach;
    private final Sender sender;
    private final ResidentMeters meters;
    private final NatsSettings settings;
    /** Written by the callback thread only. */
    private Link link = Link.NEW;
    /** What the client reported last: it comes just before the disconnect it caused, which logs it. */
    private volatile Exception lastException;

    private enum Link { NEW, UP, DOWN }

    /**
     * @param attach receives the connection with every event (it arrives with the first one)
     */
    ConnectionEvents(java.util.function.Consumer<Connection> attach, Sender sender, ResidentMeters meters,
                     NatsSettings settings) {
        this.attach = attach;
        this.sender = sender;
        this.meters = meters;
        this.settings = settings;
    }

    @Override
    public void connectionEvent(Connection connection, Events type) {
        attach.accept(connection);
        switch (type) {
            case CONNECTED -> {
                link = Link.UP;
                lastException = null;
                LOGGER.log(Level.INFO, "connected to NATS at " + shownUrl(connection));
                sender.connected();
            }
            case RECONNECTED -> {
                link = Link.UP;
                lastException = null; // the failed attempts'
                meters.busReconnects.increment();
                LOGGER.log(Level.INFO, "reconnected to NATS at " + shownUrl(connection)
                        + "; messages to the other processes resume in " + settings.resubscribeGrace().toMillis()
                        + " ms, once they have resubscribed");
                sender.reconnected();
            }
            case DISCONNECTED -> {
                if (link != Link.DOWN) {
                    meters.busDisconnects.increment();
                    LOGGER.log(Level.WARNING, (link == Link.NEW ? "cannot reach NATS at " : "lost NATS at ")
                            + settings.shownServers() + cause(connection) + "; retrying forever, pages are served locally "
                            + "and messages for the other processes are buffered");
                }
                link = Link.DOWN;
                sender.disconnected();
            }
            case CLOSED -> LOGGER.log(Level.INFO, "NATS connection closed" + lastError(connection));
            case LAME_DUCK -> LOGGER.log(Level.WARNING, "NATS server " + connection.getConnectedUrl()
                    + " is shutting down (lame duck); the client will move to another server");
            default -> LOGGER.log(Level.DEBUG, () -> "NATS: " + type);
        }
    }

    @Override
    public void errorOccurred(Connection connection, String error) {
        LOGGER.log(Level.WARNING, "NATS server error: " + error);
    }

    @Override
    public void exceptionOccurred(Connection connection, Exception exception) {
        lastException = exception;
        // while NATS is down every reconnect attempt fails with one; the DISCONNECTED event said it already
        LOGGER.log(connection == null ? Level.WARNING : Level.DEBUG, "NATS client: " + exception, exception);
    }

    @Override
    public void slowConsumerDetected(Connection connection, Consumer consumer) {
        meters.busSlowConsumers.increment();
        LOGGER.log(Level.WARNING, "NATS slow consumer: this process cannot keep up and has dropped "
                + consumer.getDroppedCount() + " bus messages (limits ipc.nats.pending: "
                + settings.pendingMessages() + " messages, " + settings.pendingBytes() + " bytes)");
    }

    /** Why the link went down, as far as the client said: the last exception and the server's last error. */
    private String cause(Connection connection) {
        Exception exception = lastException;
        lastException = null;
        return (exception == null ? "" : " (" + exception + ")") + lastError(connection);
    }

    private static String lastError(Connection connection) {
        String error = connection.getLastError();
        return error == null || error.isEmpty() ? "" : " (last error: " + error + ")";
    }

    private static String shownUrl(Connection connection) {
        String url = connection.getConnectedUrl();
        return url == null ? "?" : NatsSettings.shown(url);
    }
}
