package dev.resident;

import dev.resident.bus.BusListener;
import dev.resident.dbevents.pg.PgDbEvents;
import dev.resident.dbevents.pg.PgSettings;
import dev.resident.metrics.ResidentMeters;
import io.helidon.config.Config;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static dev.resident.Settings.duration;

/** Starts the PostgreSQL dbevents link ({@code DBEVENTS_PG_URL}) from the {@code dbevents.pg} config node. */
final class PgBackend {
    private PgBackend() {
    }

    /** Empty when {@code dbevents.pg.url} is not set. */
    static Optional<PgSettings> settings(Config pg) {
        String url = pg.get("url").asString().get().trim();
        if (url.isEmpty()) {
            return Optional.empty();
        }
        Set<String> tables = Arrays.stream(pg.get("tables").asString().get().split(","))
                .map(String::trim).filter(t -> !t.isEmpty()).collect(Collectors.toSet());
        return Optional.of(new PgSettings(url,
                pg.get("user").asString().get(),
                pg.get("password").asString().get(),
                pg.get("channel").asString().get(),
                tables,
                duration(pg.get("reconnect.wait")),
                duration(pg.get("reconnect.max-wait")),
                duration(pg.get("check-interval")),
                duration(pg.get("connect-timeout")),
                pg.get("max-run-chars").asInt().get()));
    }

    /**
     * @param local         this process's bus listener
     * @param watchedTables tables watched by pages of this process
     */
    static Optional<PgDbEvents> start(Config pg, BusListener local, Supplier<Set<String>> watchedTables,
                                      ResidentMeters meters) {
        return settings(pg).map(settings -> PgDbEvents.start(settings, local, watchedTables, meters));
    }
}
