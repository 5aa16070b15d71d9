package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.support.Browser;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In multi-process mode page ids carry the process ({@code …|p02}) and still work everywhere. */
@ServerTest
@Timeout(60)
class ProcessSuffixTest {
    private static Resident resident;
    private final URI uri;

    ProcessSuffixTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of("resident.process", "p02"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void suffixedPageIdsWorkInBodiesQueriesAndSockets() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        assertTrue(pageId.matches("[A-Za-z0-9_-]{22}\\|p02"), pageId);
        assertEquals(1, browser.rpc(pageId, "inc").json().get("result").asLong());
        String encoded = URLEncoder.encode(pageId, StandardCharsets.UTF_8);
        JsonNode poll = browser.get("/_/poll?page_id=" + encoded + "&after=0&wait=0").json();
        assertEquals(1, poll.get("messages").size(), poll.toString());
        SocketClient socket = browser.socket(pageId, Map.of("after", "0"));
        assertEquals(pageId, socket.next("hello").get("page_id").asText());
        assertEquals("data", socket.next().get("t").asText());
    }
}
