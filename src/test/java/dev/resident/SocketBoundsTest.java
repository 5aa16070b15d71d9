package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.DbEvents;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.RawHttp.Frame;
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
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory under overload is bounded in bytes: a socket queue past {@code ws.queue-bytes} closes
 * the socket with 1013 while its page stays, and a client further behind than
 * {@code pages.history.max-bytes} of messages resyncs. The message counts are far from their own
 * bounds here, so the byte bounds are what acts.
 */
@ServerTest
@Timeout(120)
class SocketBoundsTest {
    /** About a tenth of the history's bytes per dbevent. */
    private static final String RECORD = "x".repeat(20_000);
    private static Resident resident;
    private final URI uri;

    SocketBoundsTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.ws.queue", "4096",
                "resident.ws.queue-bytes", "1048576",
                "resident.pages.history.max-bytes", "204800",
                "resident.ws.close-timeout", "60s"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void socketPastItsByteBoundIsClosedWith1013AndItsPageStays() {
        Browser browser = new Browser(uri);
        String page = browser.benchPage("bounded");
        Observe observe = new Observe(uri);
        double closes = observe.metric("resident_sockets_slow_consumer_closes_total");
        String target = "/_/ws?page_id=" + URLEncoder.encode(page, StandardCharsets.UTF_8);
        long seen;
        String epoch;
        try (RawHttp late = new RawHttp(uri, 4096).webSocket(target, "rsd_cid=" + browser.connectionId())) {
            JsonNode hello = Json.parse(late.readFrame(Duration.ofSeconds(10)).text());
            seen = hello.get("seq").asLong();
            epoch = hello.get("epoch").asText();
            int published = 0;
            int delivered = 0;
            while (observe.metric("resident_sockets_slow_consumer_closes_total") <= closes) {
                assertTrue(published < 2000, "the late reader was never cut");
                assertEquals(202, publish("bounded", ++published).status());
            }
            Frame frame;
            while ((frame = late.readFrame(Duration.ofSeconds(20))).opcode() == Frame.TEXT) {
                JsonNode message = Json.parse(frame.text());
                if ("dbevent".equals(message.get("t").asText())) {
                    assertEquals(seen + 1, message.get("seq").asLong(), "what came before the close came in order");
                    seen++;
                    delivered++;
                }
            }
            assertEquals(Frame.CLOSE, frame.opcode());
            assertEquals(1013, frame.closeCode());
            assertTrue(published - delivered > 1, "messages were left queued");
        }

        assertEquals(200, browser.rpc(page, "inc").status(), "the page stays resident");
        SocketClient resumed = browser.socket(page, Map.of("after", Long.toString(seen), "epoch", epoch));
        assertEquals("hello", resumed.next().get("t").asText());
        // what was dropped from the queue is more than a new queue takes: reload rather than replay
        assertEquals("resync", resumed.next().get("t").asText());
        assertEquals(202, publish("bounded", 9999).status());
        assertEquals(9999, resumed.next("dbevent").get("events").get(0).get("pkey").asInt(), "the page pushes again");
    }

    @Test
    void clientBehindTheHistoryBytesResyncs() {
        Browser browser = new Browser(uri);
        String page = browser.benchPage("history");
        SocketClient socket = browser.socket(page);
        JsonNode hello = socket.next("hello");
        String epoch = hello.get("epoch").asText();
        assertEquals(202, publish("history", 1).status());
        long seen = socket.next("dbevent").get("seq").asLong();
        socket.close();
        assertEquals(1000, socket.closeCode());

        for (int pkey = 2; pkey <= 4; pkey++) {
            assertEquals(202, publish("history", pkey).status());
        }
        SocketClient near = browser.socket(page, Map.of("after", Long.toString(seen), "epoch", epoch));
        assertEquals("hello", near.next().get("t").asText());
        for (int pkey = 2; pkey <= 4; pkey++) {
            JsonNode replayed = nextOrExplain(near);
            assertEquals("dbevent", replayed.get("t").asText(), "a client a few messages behind gets a replay");
            assertEquals(++seen, replayed.get("seq").asLong());
        }
        near.close();
        assertEquals(1000, near.closeCode());

        // 30 × 20 KB: far less than the queue's bounds, more than the history's bytes
        for (int pkey = 5; pkey <= 34; pkey++) {
            assertEquals(202, publish("history", pkey).status());
        }
        SocketClient far = browser.socket(page, Map.of("after", Long.toString(seen), "epoch", epoch));
        assertEquals("hello", far.next().get("t").asText());
        assertEquals("resync", far.next().get("t").asText(), "a client behind the history's bytes reloads");
    }

    /** The socket's next frame; a failure also says what the server counted (for a CI log). */
    private JsonNode nextOrExplain(SocketClient socket) {
        try {
            return socket.next();
        } catch (AssertionError e) {
            String server;
            try {
                Observe observe = new Observe(uri);
                server = "sockets open " + observe.metric("resident_sockets_open") + ", messages pushed "
                        + observe.metric("resident_messages_pushed_total") + ", socket writes "
                        + observe.metric("resident_sockets_writes_total") + ", slow-consumer closes "
                        + observe.metric("resident_sockets_slow_consumer_closes_total");
            } catch (RuntimeException unreadable) {
                server = "not readable: " + unreadable;
            }
            throw new AssertionError(e.getMessage() + "; the server: " + server, e);
        }
    }

    private Reply publish(String table, int pkey) {
        return DbEvents.insert(uri, table, pkey, RECORD);
    }
}
