package dev.resident;

import dev.resident.bus.BusListener;
import dev.resident.dbevents.pg.PgDbEvents;
import dev.resident.dbevents.pg.PgSettings;
import dev.resident.metrics.ResidentMeters;

import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/** Starts the PostgreSQL dbevents link ({@code DBEVENTS_PG_URL}) from the {@code dbevents.pg} settings. */
final class PgBackend {
    private PgBackend() {
    }

    /**
     * @param settings      the {@code dbevents.pg} node ({@link Settings#pg}): empty when its url is not set
     * @param local         this process's bus listener
     * @param watchedTables tables watched by pages of this process
     */
    static Optional<PgDbEvents> start(Optional<PgSettings> settings, BusListener local,
                                      Supplier<Set<String>> watchedTables, ResidentMeters meters) {
        return settings.map(pg -> PgDbEvents.start(pg, local, watchedTables, meters));
    }
}
