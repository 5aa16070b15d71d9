package dev.resident.dbevents.pg;

import dev.resident.bus.BusListener;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.ThrottledLog;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The LISTEN link of this process: one dedicated connection, read by one virtual thread, that
 * delivers each notification to this process's pages. A lost link is re-established with backoff
 * (forever), and then every watched table gets {@code {"action":"*"}} because changes made while it
 * was down were not kept for us.
 */
public final class PgDbEvents implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(PgDbEvents.class.getName());
    private final PgSettings settings;
    private final Delivery delivery;
    private final PgMeters meters;
    private final ThrottledLog connectFailures = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofSeconds(30));
    private final Thread reader;
    private volatile boolean linkUp;
    private volatile boolean closed;

    private PgDbEvents(PgSettings settings, BusListener local, Supplier<Set<String>> watchedTables,
                       ResidentMeters meters) {
        this.settings = settings;
        this.meters = new PgMeters(meters, this::linkUp);
        this.delivery = new Delivery(settings, local, watchedTables, this.meters);
        this.reader = Thread.ofVirtual().name("resident-pg-listen").unstarted(this::run);
    }

    /**
     * Starts listening in the background; the server serves meanwhile ({@link #linkUp()} is false
     * until the first LISTEN is in place).
     *
     * @param local         this process's bus listener: notifications go to its pages only
     * @param watchedTables the tables watched by pages of this process, for the {@code *} notice
     */
    public static PgDbEvents start(PgSettings settings, BusListener local, Supplier<Set<String>> watchedTables,
                                   ResidentMeters meters) {
        PgDbEvents events = new PgDbEvents(settings, local, watchedTables, meters);
        LOGGER.log(Level.INFO, "listening for dbevents in PostgreSQL: " + settings);
        events.reader.start();
        return events;
    }

    /** Whether the LISTEN connection is up (readiness and the {@code resident_pg_link_up} gauge). */
    public boolean linkUp() {
        return linkUp;
    }

    /** Stops listening and closes the connection; safe to call twice. */
    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        try {
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        boolean connectedBefore = false;
        int failures = 0;
        while (!closed) {
            try (Connection connection = connect()) {
                listen(connection);
                delivery.announceGap(); // before the link says up: a page opened after that has missed nothing
                linkUp = true;
                failures = 0;
                if (connectedBefore) {
                    meters.reconnects.increment();
                    LOGGER.log(Level.INFO, "LISTEN link to PostgreSQL re-established");
                } else {
                    LOGGER.log(Level.INFO, "LISTEN link to PostgreSQL up: dbevents flow from here on");
                }
                connectedBefore = true;
                receive(connection);
            } catch (SQLException | RuntimeException e) {
                if (!closed) {
                    if (linkUp) {
                        LOGGER.log(Level.WARNING, "LISTEN link to PostgreSQL lost: " + e.getMessage());
                    } else {
                        connectFailures.log("cannot LISTEN in PostgreSQL: " + e.getMessage());
                    }
                }
            } finally {
                linkUp = false;
            }
            if (!closed && !pause(failures++)) {
                return;
            }
        }
    }

    private Connection connect() throws SQLException {
        Properties properties = new Properties();
        if (!settings.user().isEmpty()) {
            properties.setProperty("user", settings.user());
        }
        if (!settings.password().isEmpty()) {
            properties.setProperty("password", settings.password());
        }
        properties.setProperty("connectTimeout", Long.toString(Math.max(1, settings.connectTimeout().toSeconds())));
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", "resident " + settings.channel()); // pg_stat_activity tells sites apart
        return DriverManager.getConnection(settings.url(), properties);
    }

    private void listen(Connection connection) throws SQLException {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LISTEN \"" + settings.channel() + "\""); // the channel is a checked identifier
        }
    }

    private void receive(Connection connection) throws SQLException {
        PGConnection pg = connection.unwrap(PGConnection.class);
        int waitMillis = (int) Math.max(1, settings.checkInterval().toMillis());
        int checkSeconds = (int) Math.max(1, settings.connectTimeout().toSeconds());
        while (!closed) {
            PGNotification[] batch = pg.getNotifications(waitMillis);
            if (batch != null && batch.length > 0) {
                delivery.deliver(batch);
            } else if (!closed && !connection.isValid(checkSeconds)) {
                throw new SQLException("the connection no longer answers");
            }
        }
    }

    /** Waits before the next attempt: the first wait doubling per failure up to the max, half of it random. */
    private boolean pause(int failures) {
        long max = settings.reconnectMax().toMillis();
        long wait = Math.min(max, settings.reconnectWait().toMillis() << Math.min(failures, 20));
        long millis = wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1);
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
