package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.Map;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Outside demo mode the demo's front page is not served: {@code /} is the site's own (its front
 * end, or its legacy app mounted there). Before, a real site served the demo's page at {@code /},
 * whose calls all failed. The client library is served either way ({@code DemoPageTest}: the
 * demo's files in demo mode).
 */
@ServerTest
@Timeout(60)
class FrontPageTest {
    private static Resident resident;
    private final URI uri;

    FrontPageTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of("resident.demo", "false"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void outsideDemoModeTheDemosFilesAreNotServedAndTheClientIs() {
        Browser browser = new Browser(uri);
        assertError(browser.get("/"), 404, "not_found");
        assertError(browser.get("/index.html"), 404, "not_found");
        assertError(browser.get("/demo.js"), 404, "not_found");
        assertEquals(200, browser.get("/_/resident.js").status());
        assertEquals(200, browser.get("/_/app.css").status());
    }
}
