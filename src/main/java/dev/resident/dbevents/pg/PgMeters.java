package dev.resident.dbevents.pg;

import dev.resident.metrics.ResidentMeters;
import io.helidon.metrics.api.Counter;

import java.util.function.BooleanSupplier;

/** The {@code resident_pg_*} meters of the PostgreSQL dbevents link. */
final class PgMeters {
    final Counter notifications;
    final Counter malformed;
    final Counter unknownTables;
    final Counter reconnects;

    PgMeters(ResidentMeters meters, BooleanSupplier linkUp) {
        notifications = meters.counter("resident.pg.notifications", "dbevent notifications received from PostgreSQL");
        malformed = meters.counter("resident.pg.malformed", "PostgreSQL notifications dropped as malformed");
        unknownTables = meters.counter("resident.pg.unknown.tables",
                "PostgreSQL notifications dropped because their table is not in dbevents.pg.tables");
        reconnects = meters.counter("resident.pg.reconnects", "LISTEN connections re-established after a loss");
        meters.gauge("resident.pg.link.up", "1 while the LISTEN connection to PostgreSQL is up",
                () -> linkUp.getAsBoolean() ? 1 : 0);
    }
}
