package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
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

    /**
     * A session past its maximum age ends with its pages even while a socket keeps them alive and
     * no request comes that would find it too old (a stolen session kept open by its socket alone).
     */
    @Test
    void aSessionPastItsMaximumAgeEndsWithItsPagesWhileItsSocketStaysOpen() {
        // a process name of its own: its meters must not replace the shared server's
        Resident aging = TestServers.resident(Map.of("resident.process", "aging", "resident.connections.max-age", "2s",
                "resident.sweep-interval", "100ms"), new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(aging::setup).build().start();
        try {
            Browser browser = new Browser(URI.create("http://127.0.0.1:" + server.port()));
            String page = browser.benchPage();
            SocketClient socket = browser.socket(page);
            socket.next("hello");
            assertEquals(1000, socket.closeCode(Duration.ofSeconds(10)), "ended at the session's maximum age");
            assertEquals(404, browser.rpc(page, "inc").status());
        } finally {
            server.stop();
            aging.close();
        }
    }
}
