package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.support.Browser;
import dev.resident.support.DbEvents;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A socket that resumes behind by some hundred KB gets its hello and the replay right after the
 * {@code 101}, in the same TCP segments, and every frame of it whole. The JDK's WebSocket client
 * lost a chunk of such bytes now and then (SocketBoundsTest failed on a cut frame), which is why
 * {@link SocketClient} reads the upgrade's answer itself; this guards that.
 */
@ServerTest
@Timeout(120)
class ResumedSocketReplayTest {
    private static final int CLIENTS = 3;
    private static final int ROUNDS = 60;
    private static Resident resident;
    private final URI uri;

    ResumedSocketReplayTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.ws.queue-bytes", "1048576",
                "resident.pages.history.max-bytes", "1048576"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void everyReplayedFrameArrivesWhole() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                String table = "replay" + c;
                runs.add(clients.submit(() -> {
                    resumeOverAndOver(table);
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            clients.shutdownNow();
        }
    }

    private void resumeOverAndOver(String table) {
        Browser browser = new Browser(uri);
        String page = browser.benchPage(table);
        SocketClient first = browser.socket(page);
        JsonNode hello = first.next("hello");
        String epoch = hello.get("epoch").asText();
        long seen = hello.get("seq").asLong();
        first.close();
        assertEquals(1000, first.closeCode());
        int pkey = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // four messages of 20 to 60 KB: some 160 KB that follow the 101 at once
            for (int i = 0; i < 4; i++) {
                assertEquals(202, DbEvents.insert(uri, table, ++pkey, "x".repeat(20_000 + (round * 7919 + i * 10_007) % 40_000))
                        .status());
            }
            SocketClient resumed = browser.socket(page, Map.of("after", Long.toString(seen), "epoch", epoch));
            assertEquals("hello", resumed.next().get("t").asText());
            for (int i = 0; i < 4; i++) {
                JsonNode replayed = resumed.next();
                assertEquals("dbevent", replayed.get("t").asText());
                assertEquals(++seen, replayed.get("seq").asLong());
            }
            resumed.close();
            assertEquals(1000, resumed.closeCode());
        }
    }
}
