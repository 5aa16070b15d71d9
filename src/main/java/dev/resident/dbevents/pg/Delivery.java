package dev.resident.dbevents.pg;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.BusListener;
import dev.resident.bus.DbEvent;
import dev.resident.json.Json;
import dev.resident.ops.ThrottledLog;
import org.postgresql.PGNotification;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Hands notifications to this process's bus listener: consecutive changes of one table become one
 * dbevent (origin: none), bounded in size ({@code max-run-chars}); malformed payloads and tables
 * outside the allow-list are counted and logged, never delivered. Anyone who can connect to the
 * database can NOTIFY on the channel.
 */
final class Delivery {
    private static final System.Logger LOGGER = System.getLogger(PgDbEvents.class.getName());
    private final PgSettings settings;
    private final BusListener local;
    private final Supplier<Set<String>> watchedTables;
    private final PgMeters meters;
    private final ThrottledLog malformed = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofSeconds(10));
    private final ThrottledLog unknown = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofSeconds(10));

    /**
     * @param watchedTables the tables that pages of this process watch
     */
    Delivery(PgSettings settings, BusListener local, Supplier<Set<String>> watchedTables, PgMeters meters) {
        this.settings = settings;
        this.local = local;
        this.watchedTables = watchedTables;
        this.meters = meters;
    }

    /**
     * Delivers what one read of the link returned: every notification pending, however many one
     * transaction sent. A table no page of this process watches is skipped before anything of it is
     * kept; a run of one table's notifications past {@code max-run-chars} becomes one
     * {@code {"action":"*"}} (its pages reload), so a bulk change or a flood of NOTIFYs never holds
     * every row at once.
     */
    void deliver(PGNotification[] batch) {
        Set<String> watched = watchedTables.get();
        Run run = null;
        for (PGNotification notification : batch) {
            Payloads.Change change;
            try {
                change = Payloads.parse(notification.getParameter());
            } catch (Payloads.Malformed e) {
                meters.malformed.increment();
                malformed.log("malformed notification on channel " + settings.channel() + " from backend "
                        + notification.getPID() + ": " + e.getMessage());
                continue;
            }
            if (!settings.allows(change.table())) {
                meters.unknownTables.increment();
                unknown.log("notification for table " + change.table() + " outside dbevents.pg.tables, from backend "
                        + notification.getPID());
                continue;
            }
            meters.notifications.increment();
            if (!watched.contains(change.table())) {
                continue;
            }
            if (run == null || !change.table().equals(run.table)) {
                send(run);
                run = new Run(change.table());
            }
            run.add(change.event(), notification.getParameter().length(), settings.maxRunChars());
        }
        send(run);
    }

    /** Consecutive notifications of one table, kept until another table's come (or the batch ends). */
    private static final class Run {
        private final String table;
        private final ArrayNode events = Json.array();
        private long chars;
        private boolean overflowed;

        Run(String table) {
            this.table = table;
        }

        void add(ObjectNode event, int payloadChars, int maxChars) {
            if (overflowed) {
                return;
            }
            chars += payloadChars;
            if (chars > maxChars) {
                overflowed = true;
                events.removeAll();
                events.add(Payloads.everything());
                return;
            }
            events.add(event);
        }
    }

    /** Tells every page watching a table that it may have missed changes: {@code {"action":"*"}}. */
    void announceGap() {
        for (String table : watchedTables.get()) {
            if (settings.allows(table)) {
                ArrayNode events = Json.array();
                events.add(Payloads.everything());
                send(table, events);
            }
        }
    }

    private void send(Run run) {
        if (run != null) {
            send(run.table, run.events);
        }
    }

    private void send(String table, ArrayNode events) {
        local.onDbEvent(new DbEvent(table, events, null));
    }
}
