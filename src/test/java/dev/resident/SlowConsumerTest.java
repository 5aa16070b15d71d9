package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
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
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A client that never reads is cut with 1013 while a reading one on the same table gets every event. */
@ServerTest
@Timeout(120)
class SlowConsumerTest {
    private static final String RECORD = "x".repeat(60_000);
    private static Resident resident;
    private final URI uri;

    SlowConsumerTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.ws.queue", "32",
                "resident.ws.close-timeout", "60s"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void slowClientIsClosedWith1013AndOthersKeepReceiving() {
        Browser slowBrowser = new Browser(uri);
        String slowPage = slowBrowser.benchPage("orders");
        SocketClient slow = SocketClient.open(slowBrowser, slowPage, Map.of(), null, false);
        Browser fastBrowser = new Browser(uri);
        String fastPage = fastBrowser.benchPage("orders");
        SocketClient fast = fastBrowser.socket(fastPage);
        fast.next("hello");
        Observe observe = new Observe(uri);

        int published = 0;
        while (observe.metric("resident_sockets_slow_consumer_closes_total") < 1) {
            assertTrue(published < 2000, "the slow client was never cut");
            published++;
            Reply reply = publish(published);
            assertEquals(202, reply.status(), reply.body());
            JsonNode event = fast.next(frame -> "dbevent".equals(frame.path("t").asText()));
            assertEquals(published, event.get("events").get(0).get("pkey").asInt(), "the reading client is in time");
        }

        slow.startReading();
        assertEquals(1013, slow.closeCode(Duration.ofSeconds(60)));
        assertEquals(200, slowBrowser.rpc(slowPage, "inc").status(), "the page stays resident");
        SocketClient resumed = slowBrowser.socket(slowPage, Map.of("after", "0"));
        assertEquals("hello", resumed.next().get("t").asText());
        assertEquals("resync", resumed.next().get("t").asText(), "a replay larger than the queue is a resync");
    }

    private Reply publish(int pkey) {
        String body = "{\"table\":\"orders\",\"events\":[{\"action\":\"I\",\"pkey\":" + pkey
                + ",\"record\":{\"blob\":\"" + RECORD + "\"}}]}";
        return new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
