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
        SlowReaders.Pair pair = SlowReaders.open(uri);
        SlowReaders.publishUntilOneIsCut(uri, pair.reader());

        pair.slow().startReading();
        assertEquals(1013, pair.slow().closeCode(Duration.ofSeconds(60)));
        assertEquals(200, pair.slowBrowser().rpc(pair.slowPage(), "inc").status(), "the page stays resident");
        SocketClient resumed = pair.slowBrowser().socket(pair.slowPage(), Map.of("after", "0"));
        assertEquals("hello", resumed.next().get("t").asText());
        assertEquals("resync", resumed.next().get("t").asText(), "a replay larger than the queue is a resync");
    }
}
