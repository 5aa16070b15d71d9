package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Expiry with short configured ages: idle pages go, pages with a socket stay, empty connections go. */
@ServerTest
@Timeout(60)
class ExpiryTest {
    private static Resident resident;
    private final URI uri;

    ExpiryTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.pages.idle-ttl", "1s",
                "resident.connections.guest-ttl", "1s",
                "resident.sweep-interval", "100ms"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void idlePageExpiresButAPageWithASocketStays() {
        Browser browser = new Browser(uri);
        String idle = browser.benchPage();
        String watched = browser.benchPage();
        SocketClient socket = browser.socket(watched);
        socket.next("hello");

        Eventually.await(Duration.ofSeconds(10), "idle page expired",
                () -> resident.registry().anyPage(idle).isEmpty());
        assertEquals(404, browser.rpc(idle, "inc").status());
        assertEquals(200, browser.rpc(watched, "inc").status());
        assertFalse(socket.isClosed());
        double expired = new Observe(uri).metric("resident_pages_expired_total");
        assertNotEquals(0.0, expired);
    }

    @Test
    void connectionWithoutPagesExpires() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        String connection = browser.connectionId();
        browser.post("/_/close", "{\"page_id\":\"" + pageId + "\"}");
        Eventually.await(Duration.ofSeconds(10), "connection expired",
                () -> resident.registry().sessions().connections().stream().noneMatch(c -> c.id().equals(connection)));
        browser.benchPage();
        assertNotEquals(connection, browser.connectionId(), "a new connection was minted");
    }
}
