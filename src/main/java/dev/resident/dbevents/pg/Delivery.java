package dev.resident.dbevents.pg;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resident.bus.BusListener;
import dev.resident.bus.DbEvent;
import dev.resident.json.Json;
import org.postgresql.PGNotification;

import java.util.Set;
import java.util.function.Supplier;

/**
 * Hands notifications to this process's bus listener: consecutive changes of one table become one
 * dbevent (origin: none), malformed payloads and tables outside the allow-list are counted and
 * logged, never delivered.
 */
final class Delivery {
    private final PgSettings settings;
    private final BusListener local;
    private final Supplier<Set<String>> watchedTables;
    private final PgMeters meters;
    private final ThrottledWarning malformed = new ThrottledWarning(10_000);
    private final ThrottledWarning unknown = new ThrottledWarning(10_000);

    /**
     * @param watchedTables the tables that pages of this process watch
     */
    Delivery(PgSettings settings, BusListener local, Supplier<Set<String>> watchedTables, PgMeters meters) {
        this.settings = settings;
        this.local = local;
        this.watchedTables = watchedTables;
        this.meters = meters;
    }

    void deliver(PGNotification[] batch) {
        String table = null;
        ArrayNode events = null;
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
            if (!change.table().equals(table)) {
                send(table, events);
                table = change.table();
                events = Json.array();
            }
            events.add(change.event());
        }
        send(table, events);
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

    private void send(String table, ArrayNode events) {
        if (table != null) {
            local.onDbEvent(new DbEvent(table, events, null));
        }
    }
}
