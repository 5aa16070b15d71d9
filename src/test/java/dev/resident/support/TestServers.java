package dev.resident.support;

import dev.resident.Resident;
import dev.resident.ResidentConfig;
import dev.resident.demo.DemoApp;
import dev.resident.page.PageTypes;
import io.helidon.webserver.WebServerConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/** Builds test servers through the same {@link Resident#setup} as {@code Main}. */
public final class TestServers {
    /**
     * A full process makes room: two live pages at most, and an idle guest page gives way to a new
     * one at once (its saved copy stays, to be continued). With {@link #embeddedStore}.
     */
    public static final Map<String, String> MAKES_ROOM = Map.of("resident.limits.max-pages", "2",
            "resident.limits.guests-give-way-after", "1ms");
    /** Admin token of every test server. */
    public static final String ADMIN_TOKEN = "test-admin-token";
    /** Token of {@code /observe/metrics} on every test server ({@link Observe} sends it). */
    public static final String OBSERVE_TOKEN = "test-observe-token";

    private TestServers() {
    }

    /**
     * A Resident with the packaged config, the bench pages and demo mode (the users alice, bob and
     * carol) on, a test admin token, and {@code overrides} on top.
     */
    public static Resident resident(Map<String, String> overrides, PageTypes types) {
        Map<String, String> all = new HashMap<>();
        all.put("resident.admin-token", ADMIN_TOKEN);
        all.put("resident.bench-pages", "true");
        all.put("resident.state.store", "memory"); // tests of durable state choose their store
        all.put("resident.demo", "true");
        all.put("resident.observe-token", OBSERVE_TOKEN);
        // every test client is 127.0.0.1; AdmissionTest turns the per-address caps on
        all.put("resident.limits.per-address.enabled", "false");
        all.putAll(overrides);
        return Resident.create(ResidentConfig.withOverrides(all), types);
    }

    /** Sets up a @ServerTest server with the demo app and returns its Resident (close it in @AfterAll). */
    public static Resident demo(WebServerConfig.Builder server, Map<String, String> overrides) {
        PageTypes types = new PageTypes();
        Resident resident = resident(overrides, types);
        DemoApp.register(types, resident.registry(), resident.taskTypes());
        server.update(resident::setup);
        return resident;
    }

    /** Sets up a @ServerTest server and returns its Resident (close it in @AfterAll). */
    public static Resident setup(WebServerConfig.Builder server, Map<String, String> overrides) {
        Resident resident = resident(overrides, new PageTypes());
        server.update(resident::setup);
        return resident;
    }

    /**
     * The embedded state store in a new temporary directory named after {@code name}, writing
     * snapshots every 100 ms, with {@code more} config on top.
     */
    public static Map<String, String> embeddedStore(String name, Map<String, String> more) {
        Map<String, String> config = new HashMap<>(more);
        config.put("resident.state.store", "embedded");
        try {
            config.put("resident.state.dir", Files.createTempDirectory(name).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config.put("resident.state.snapshot-interval", "100ms");
        return config;
    }
}
