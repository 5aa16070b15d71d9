package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.SlowReaders;
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

/** A client that never reads is cut with 1013 while a reading one on the same table gets every event. */
@ServerTest
@Timeout(120)
class SlowConsumerTest {
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
        String slowPage = slowBrowser.benchPage(SlowReaders.TABLE);
        SocketClient slow = SocketClient.open(slowBrowser, slowPage, Map.of(), null, false);
        Browser fastBrowser = new Browser(uri);
        String fastPage = fastBrowser.benchPage(SlowReaders.TABLE);
        SocketClient fast = fastBrowser.socket(fastPage);
        fast.next("hello");
        SlowReaders.publishUntilOneIsCut(uri, fast);

        slow.startReading();
        assertEquals(1013, slow.closeCode(Duration.ofSeconds(60)));
        assertEquals(200, slowBrowser.rpc(slowPage, "inc").status(), "the page stays resident");
        SocketClient resumed = slowBrowser.socket(slowPage, Map.of("after", "0"));
        assertEquals("hello", resumed.next().get("t").asText());
        assertEquals("resync", resumed.next().get("t").asText(), "a replay larger than the queue is a resync");
    }
}
