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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The push path writes what a socket has queued in one write: several frames, or for a client
 * that asked for {@code batch=1} one JSON array; order and seqs are kept either way. A client that
 * reads late (a small receive buffer, read only after the burst) makes the queue build up once the
 * kernel's socket buffers are full (~3 MB of the 10 MB burst here: ~60 writes of 50 KB).
 */
@ServerTest
@Timeout(120)
class PushPathTest {
    private static final String RECORD = "x".repeat(50_000);
    private static final int EVENTS = 200;
    private static Resident resident;
    private final URI uri;

    PushPathTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.ws.queue", "4096",
                "resident.ws.queue-bytes", "67108864",
                "resident.ws.max-write-bytes", "1048576",
                "resident.ws.close-timeout", "60s"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void queuedMessagesShareWritesAndKeepOrderAndSeqs() {
        Received received = burst("coalesced", "");
        assertEquals(0, received.arrays, "one message per frame by default");
        assertTrue(received.writes < EVENTS / 2.0,
                EVENTS + " queued messages took " + received.writes + " writes");
    }

    @Test
    void batchClientGetsArraysInOrder() {
        Received received = burst("batched", "&batch=1");
        assertTrue(received.arrays > 0, "no array frame");
        assertTrue(received.frames < EVENTS / 2.0, EVENTS + " messages came in " + received.frames + " frames");
    }

    @Test
    void rpcDataAndResultShareWrites() {
        Browser browser = new Browser(uri);
        String page = browser.benchPage();
        SocketClient socket = browser.socket(page);
        socket.next("hello");
        Observe observe = new Observe(uri);
        double writes = observe.metric("resident_sockets_writes_total");
        int calls = 20;
        for (int id = 1; id <= calls; id++) {
            socket.send(Json.object().put("t", "rpc").put("id", id).put("method", "inc"));
            assertEquals("data", socket.next().get("t").asText());
            JsonNode result = socket.next();
            assertEquals("result", result.get("t").asText());
            assertEquals(id, result.get("id").asInt());
        }
        double used = observe.metric("resident_sockets_writes_total") - writes;
        // each call's data message and result go out together (unless the call took over 2 ms)
        assertTrue(used < calls * 1.5, calls + " calls took " + used + " writes");
    }

    @Test
    void batchRpcGetsDataAndResultInOneArray() {
        Browser browser = new Browser(uri);
        String page = browser.benchPage();
        SocketClient socket = browser.socket(page, Map.of("batch", "1"));
        assertTrue(socket.next().isObject(), "a lone message is not wrapped");
        int arrays = 0;
        for (int id = 1; id <= 20; id++) {
            socket.send(Json.object().put("t", "rpc").put("id", id).put("method", "inc"));
            JsonNode frame = socket.next();
            if (frame.isArray()) {
                arrays++;
                assertEquals("data", frame.get(0).get("t").asText());
                assertEquals("result", frame.get(1).get("t").asText());
                assertEquals(frame.get(0).get("seq").asLong(), frame.get(1).get("seq").asLong(), "the result names the data's seq");
            } else {
                assertEquals("data", frame.get("t").asText());
                assertEquals("result", socket.next().get("t").asText());
            }
        }
        assertTrue(arrays > 0, "no call's data and result shared a frame");
    }

    @Test
    void unknownFramingOptionsGetTheDefault() {
        Browser browser = new Browser(uri);
        String page = browser.benchPage();
        SocketClient socket = browser.socket(page, Map.of("batch", "yes", "frames", "16", "compress", "zstd"));
        assertEquals("hello", socket.next().get("t").asText());
        for (int id = 1; id <= 5; id++) {
            socket.send(Json.object().put("t", "rpc").put("id", id).put("method", "inc"));
            JsonNode data = socket.next();
            JsonNode result = socket.next();
            assertTrue(data.isObject() && result.isObject(), "one message per frame");
            assertEquals("data", data.get("t").asText());
            assertEquals(id, result.get("id").asInt());
        }
    }

    /**
     * Opens a late-reading socket on a page of {@code table}, publishes {@link #EVENTS} large
     * dbevents, then reads them all, checking that their seqs follow the hello's one by one.
     */
    private Received burst(String table, String query) {
        Browser browser = new Browser(uri);
        String page = browser.benchPage(table);
        Observe observe = new Observe(uri);
        String target = "/_/ws?page_id=" + URLEncoder.encode(page, StandardCharsets.UTF_8) + query;
        try (RawHttp socket = new RawHttp(uri, 4096).webSocket(target, "rsd_cid=" + browser.connectionId())) {
            Received received = new Received();
            long seq = received.read(socket, 1).getFirst().get("seq").asLong();
            double writes = observe.metric("resident_sockets_writes_total");
            for (int pkey = 1; pkey <= EVENTS; pkey++) {
                Reply reply = publish(table, pkey);
                assertEquals(202, reply.status(), reply.body());
            }
            received.frames = 0;
            List<JsonNode> events = received.read(socket, EVENTS);
            for (int i = 0; i < EVENTS; i++) {
                JsonNode event = events.get(i);
                assertEquals("dbevent", event.get("t").asText());
                assertEquals(seq + 1 + i, event.get("seq").asLong(), "seqs follow each other");
                assertEquals(i + 1, event.get("events").get(0).get("pkey").asInt(), "in publishing order");
            }
            received.writes = observe.metric("resident_sockets_writes_total") - writes;
            return received;
        }
    }

    private Reply publish(String table, int pkey) {
        return DbEvents.insert(uri, table, pkey, RECORD);
    }

    /** What a raw socket received: messages (arrays taken apart), text frames, array frames. */
    private static final class Received {
        int frames;
        int arrays;
        double writes;

        /** The next {@code count} messages other than pings. */
        List<JsonNode> read(RawHttp socket, int count) {
            List<JsonNode> messages = new ArrayList<>();
            while (messages.size() < count) {
                Frame frame = socket.readFrame(Duration.ofSeconds(20));
                if (frame.opcode() != Frame.TEXT) {
                    assertTrue(frame.opcode() == Frame.PING, "unexpected frame " + frame.opcode());
                    continue;
                }
                frames++;
                JsonNode node = Json.parse(frame.text());
                if (node.isArray()) {
                    arrays++;
                }
                for (JsonNode message : node.isArray() ? node : List.of(node)) {
                    if (!"ping".equals(message.path("t").asText())) {
                        messages.add(message);
                    }
                }
            }
            assertEquals(count, messages.size(), "a frame ran past the messages expected");
            return messages;
        }
    }
}
