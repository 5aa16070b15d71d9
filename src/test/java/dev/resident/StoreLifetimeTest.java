package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A user's and a connection's {@code Store} live as long as their session is in use: their ttl
 * (the sessions' ttls, here a few seconds) counts from the session's last use, not from the
 * store's last write.
 */
@ServerTest
@Tag("slow")
@Timeout(60)
class StoreLifetimeTest {
    private static final long TTL_MILLIS = 3000;
    private static Resident resident;
    private final URI uri;

    StoreLifetimeTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        String ttl = TTL_MILLIS + "ms";
        resident = TestServers.resident(Map.of("resident.connections.user-ttl", ttl,
                        "resident.connections.guest-ttl", ttl, "resident.sweep-interval", "500ms",
                        "resident.state.snapshot-interval", "200ms"),
                new PageTypes().register(StoresTest.NotesPage.type()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void storesWrittenOnceOutliveTheirTtlWhileTheirSessionIsInUse() throws InterruptedException {
        StoresTest.Session alice = StoresTest.Session.of(uri, "alice");
        alice.put("user", "theme", "dark");
        alice.put("connection", "draft", "half a letter");
        long until = System.currentTimeMillis() + 3 * TTL_MILLIS;
        while (System.currentTimeMillis() < until) {
            Thread.sleep(TTL_MILLIS / 6); // the user goes on using the page: time passing is the case here
            assertEquals("dark", alice.get("user", "theme").asText(), "the user's store, read while in use");
            assertEquals("half a letter", alice.get("connection", "draft").asText(), "the session's store");
        }
        assertEquals(Json.object().textNode("dark"), alice.get("user", "theme"));
    }
}
