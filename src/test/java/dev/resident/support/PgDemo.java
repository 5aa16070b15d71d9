package dev.resident.support;

import dev.resident.Resident;
import dev.resident.ResidentConfig;
import dev.resident.demo.DemoApp;
import dev.resident.page.PageTypes;
import io.helidon.config.Config;
import io.helidon.webserver.WebServerConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * A test server with the demo on PostgreSQL ({@code demo.db}) and the dbevents link, both on a
 * {@link PgTestDatabase}'s schema and channel, wired as {@code Main} does.
 */
public final class PgDemo implements AutoCloseable {
    private final Resident resident;
    private final AutoCloseable demo;

    private PgDemo(Resident resident, AutoCloseable demo) {
        this.resident = resident;
        this.demo = demo;
    }

    /** Sets up a @ServerTest server; its meters are tagged {@code process}. */
    public static PgDemo setup(WebServerConfig.Builder server, PgTestDatabase db, String process) {
        return setup(server, db, process, Map.of());
    }

    /** The same with {@code extra} config keys on top (another user for the LISTEN link, ...). */
    public static PgDemo setup(WebServerConfig.Builder server, PgTestDatabase db, String process,
                               Map<String, String> extra) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put("resident.admin-token", TestServers.ADMIN_TOKEN);
        overrides.put("resident.process", process);
        overrides.put("resident.demo", "true");
        overrides.put("resident.observe-token", TestServers.OBSERVE_TOKEN);
        overrides.put("resident.state.store", "memory");
        overrides.put("demo.db", db.url());
        overrides.put("dbevents.pg.url", PgTestDatabase.URL);
        overrides.put("dbevents.pg.channel", db.channel());
        overrides.putAll(extra);
        Config config = ResidentConfig.withOverrides(overrides);
        PageTypes types = new PageTypes();
        Resident resident = Resident.create(config, types);
        AutoCloseable demo = DemoApp.register(types, resident.registry(), resident.taskTypes(), config);
        server.update(resident::setup);
        return new PgDemo(resident, demo);
    }

    public Resident resident() {
        return resident;
    }

    @Override
    public void close() throws Exception {
        try (demo) {
            resident.close();
        }
    }
}
