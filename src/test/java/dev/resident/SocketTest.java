package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.bus.Broadcast;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket half of PROTOCOL.md. */
@ServerTest
@Timeout(60)
class SocketTest {
    private static final String ALLOWED = "https://app.example.com";
    private static Resident resident;
    private final URI uri;

    SocketTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.ws.heartbeat", "300ms",
                "resident.ws.allowed-origins", ALLOWED));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void helloComesFirstThenRpcGivesDataAndResult() {
        Browser browser = new Browser(uri);
        JsonNode opened = browser.openPage("/_bench", null);
        String pageId = opened.get("page_id").asText();
        SocketClient socket = browser.socket(pageId);
        JsonNode hello = socket.next();
        assertEquals("hello", hello.get("t").asText());
        assertEquals(pageId, hello.get("page_id").asText());
        assertEquals(opened.get("epoch").asText(), hello.get("epoch").asText());
        assertEquals(0, hello.get("seq").asLong());
        assertTrue(hello.path("answers_before_close").asBoolean(), "resident.js resends calls unanswered at a close only then");

        socket.send(Json.object().put("t", "rpc").put("id", 7).put("method", "inc").set("params", Json.object().put("by", 2)));
        JsonNode data = socket.next("data");
        assertEquals(1, data.get("seq").asLong());
        assertEquals(2, data.get("changes").get(0).get("value").asLong());
        JsonNode result = socket.next("result");
        assertEquals(7, result.get("id").asInt());
        assertEquals(2, result.get("result").asLong());
        assertEquals(1, result.get("seq").asLong());

        socket.send(Json.object().put("t", "rpc").put("id", "x").put("method", "nope"));
        JsonNode error = socket.next("error");
        assertEquals("x", error.get("id").asText());
        assertEquals("unknown_method", error.get("code").asText());
        socket.send("{oops");
        assertEquals("bad_request", socket.next("error").get("code").asText());
        socket.send(Json.object().put("t", "rpc").put("id", 8).put("method", "inc"));
        assertEquals(3, socket.next("result").get("result").asLong(), "the socket survived bad frames");
    }

    @Test
    void aFrameIsReadFieldByFieldInAnyOrderWithItsIdAsSent() {
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        // params first, t last, unknown fields of every kind skipped, a repeated method counts its last value
        socket.send("{\"params\":{\"a\":[1,{\"b\":null}],\"c\":\"d\"},\"x\":{\"y\":[[],{}]},\"method\":5,"
                + "\"id\":{\"k\":[1,\"two\"]},\"z\":[true],\"method\":\"echo\",\"t\":\"rpc\"}");
        JsonNode echoed = socket.next("result");
        assertEquals(Json.parse("{\"k\":[1,\"two\"]}"), echoed.get("id"), "an id that is an object comes back as sent");
        assertEquals(Json.parse("{\"a\":[1,{\"b\":null}],\"c\":\"d\"}"), echoed.get("result"));

        socket.send("{\"t\":\"rpc\",\"id\":123456789012345678901234567890,\"method\":\"echo\",\"params\":{}}");
        JsonNode big = socket.next("result");
        assertEquals("123456789012345678901234567890", big.get("id").asText());
        assertEquals(Json.object(), big.get("result"));

        socket.send("{\"t\":\"rpc\",\"id\":[\"q\"],\"method\":\"echo\",\"method\":{\"m\":1}}");
        JsonNode error = socket.next("error");
        assertEquals("bad_request", error.get("code").asText(), "a method that is not a string");
        assertEquals(Json.parse("[\"q\"]"), error.get("id"));

        socket.send("[{\"t\":\"rpc\",\"id\":1,\"method\":\"inc\"}]"); // not an object: only touches the page
        socket.send("{\"t\":\"rpc\",\"id\":2,\"method\":\"echo\",\"t\":\"pong\"}"); // the last t is not rpc
        socket.send("{\"t\":\"rpc\",\"id\":3,\"method\":\"echo\",\"params\":[1]");
        JsonNode malformed = socket.next("error");
        assertEquals("bad_request", malformed.get("code").asText());
        assertEquals("malformed JSON", malformed.get("message").asText());
        assertTrue(malformed.get("id").isNull());
        socket.send(Json.object().put("t", "rpc").put("id", 4).put("method", "inc"));
        JsonNode counted = socket.next("result");
        assertEquals(4, counted.get("id").asInt());
        assertEquals(1, counted.get("result").asLong(), "the frames before ran no call");
    }

    @Test
    void aMessageInSeveralFramesIsOneCallAndTheNextOneStartsAfresh() {
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        socket.sendFragments("{\"t\":\"rpc\",", "\"id\":1,\"method\":", "\"inc\"}");
        JsonNode first = socket.next("result");
        assertEquals(1, first.get("id").asInt());
        assertEquals(1, first.get("result").asLong());
        socket.sendFragments("{\"t\":\"rpc\",\"id\":2,", "\"method\":\"inc\"}");
        socket.send("{\"t\":\"rpc\",\"id\":3,\"method\":\"inc\"}");
        assertEquals(2, socket.next("result").get("id").asInt());
        JsonNode third = socket.next("result");
        assertEquals(3, third.get("id").asInt(), "a one-frame message after a fragmented one");
        assertEquals(3, third.get("result").asLong());
    }

    /**
     * A frame may end inside a character (RFC 6455 §5.6; Chrome cuts messages past 64 KB into
     * frames by bytes): the character arrives whole. Helidon decoded each frame by itself, so the
     * two halves became U+FFFD replacement characters.
     */
    @Test
    void aCharacterCutBetweenFramesArrivesWhole() {
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        int id = 0;
        for (String character : List.of("\u00e8", "\u20ac", "\ud83d\ude00")) { // è, €, 😀: 2, 3 and 4 bytes
            String text = "caff" + character + " ok";
            byte[] message = echo(++id, text);
            int at = indexOf(message, character.getBytes(UTF_8));
            for (int cut = 1; cut < character.getBytes(UTF_8).length; cut++) {
                message = echo(++id, text);
                socket.sendFragments(Arrays.copyOfRange(message, 0, at + cut), Arrays.copyOfRange(message, at + cut, message.length));
                JsonNode result = socket.next("result");
                assertEquals(id, result.get("id").asInt());
                assertEquals(text, result.get("result").get("text").asText(), character + " cut after byte " + cut);
            }
        }
        // one byte a frame, an empty frame among them: what a frame's end cut goes on to the next
        String text = "\ud83d\ude00\u20ac";
        byte[] message = echo(++id, text);
        int at = indexOf(message, text.getBytes(UTF_8));
        List<byte[]> parts = new ArrayList<>(List.of(Arrays.copyOfRange(message, 0, at + 1), new byte[0]));
        for (int i = at + 1; i < at + 7; i++) {
            parts.add(new byte[] {message[i]});
        }
        parts.add(Arrays.copyOfRange(message, at + 7, message.length));
        socket.sendFragments(parts.toArray(byte[][]::new));
        assertEquals(text, socket.next("result").get("result").get("text").asText(), "a byte a frame");
    }

    /** Bytes that are no UTF-8 still arrive as U+FFFD, whether a frame's end falls among them or not. */
    @Test
    void invalidBytesCutBetweenFramesAreStillReplaced() {
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        byte[] message = echo(1, "a\u00e8b");
        int at = indexOf(message, "\u00e8".getBytes(UTF_8));
        message[at + 1] = 'x'; // a lead byte without its continuation
        socket.sendFragments(Arrays.copyOfRange(message, 0, at + 1), Arrays.copyOfRange(message, at + 1, message.length));
        assertEquals("a\ufffdxb", socket.next("result").get("result").get("text").asText());
        message = echo(2, "a\u20acb");
        at = indexOf(message, "\u20ac".getBytes(UTF_8));
        socket.sendFragments(Arrays.copyOfRange(message, 0, at + 1), Arrays.copyOfRange(message, at + 3, message.length));
        assertEquals("a\ufffdb", socket.next("result").get("result").get("text").asText(), "a character whose end never came");
    }

    /** An rpc frame that echoes {@code text}, as UTF-8. */
    private static byte[] echo(int id, String text) {
        return Json.write(Json.object().put("t", "rpc").put("id", id).put("method", "echo")
                .set("params", Json.object().put("text", text))).getBytes(UTF_8);
    }

    private static int indexOf(byte[] bytes, byte[] wanted) {
        for (int i = 0; i + wanted.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + wanted.length, wanted, 0, wanted.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void pushArrivesWhileAnHttpCallRunsOnThePage() throws Exception {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage("busy");
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        CompletableFuture<Reply> slowCall = CompletableFuture.supplyAsync(
                () -> browser.rpc(pageId, "work", Json.object().put("io_ms", 3000), null));
        // the call is running once the page refuses nothing and the future is pending; publish now
        Reply published = dbevent("busy", "{\"action\":\"I\",\"pkey\":1}");
        assertEquals(202, published.status(), published.body());
        JsonNode event = socket.next("dbevent");
        assertFalse(slowCall.isDone(), "the push did not wait for the running call");
        assertEquals("busy", event.get("table").asText());
        assertEquals(200, slowCall.get(10, TimeUnit.SECONDS).status());
    }

    @Test
    void resumeWithAfterReplaysAndOtherEpochResyncs() {
        Browser browser = new Browser(uri);
        JsonNode opened = browser.openPage("/_bench", null);
        String pageId = opened.get("page_id").asText();
        for (int i = 0; i < 4; i++) {
            browser.rpc(pageId, "inc");
        }
        SocketClient resumed = browser.socket(pageId, Map.of("after", "2", "epoch", opened.get("epoch").asText()));
        assertEquals(4, resumed.next("hello").get("seq").asLong());
        assertEquals(3, resumed.next().get("seq").asLong());
        assertEquals(4, resumed.next().get("seq").asLong());

        SocketClient otherEpoch = browser.socket(pageId, Map.of("after", "2", "epoch", "stale"));
        otherEpoch.next("hello");
        assertEquals("resync", otherEpoch.next().get("t").asText());

        SocketClient ahead = browser.socket(pageId, Map.of("after", "99"));
        ahead.next("hello");
        assertEquals("resync", ahead.next().get("t").asText());
    }

    @Test
    void newerSocketReplacesOlderWith4409() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient first = browser.socket(pageId);
        first.next("hello");
        SocketClient second = browser.socket(pageId);
        second.next("hello");
        assertEquals(4409, first.closeCode());
        browser.rpc(pageId, "inc");
        assertEquals("data", second.next("data").get("t").asText());
    }

    @Test
    void foreignOriginIsRefusedWith1008() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient evil = SocketClient.open(browser, pageId, Map.of(), "https://evil.example.com", true);
        assertEquals(1008, evil.closeCode());
        SocketClient listed = SocketClient.open(browser, pageId, Map.of(), ALLOWED, true);
        assertEquals("hello", listed.next().get("t").asText());
        SocketClient same = SocketClient.open(browser, pageId, Map.of(), "http://localhost:" + uri.getPort(), true);
        assertEquals("hello", same.next().get("t").asText());
    }

    @Test
    void unknownPageIsClosedWith4404() {
        Browser browser = new Browser(uri);
        browser.benchPage();
        assertEquals(4404, browser.socket("AAAAAAAAAAAAAAAAAAAAAA").closeCode());
        assertEquals(4404, browser.socket("not an id").closeCode());
    }

    @Test
    void heartbeatPingsAndPingFramesAreAnswered() throws Exception {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.ping(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, socket.pong(), "pong frame");
        JsonNode heartbeat = socket.next("ping");
        assertTrue(heartbeat.get("ts").asLong() > 0);
        assertFalse(heartbeat.has("seq"), "control frames carry no seq");
        socket.close();
    }

    @Test
    void aFrameOverHelidonsLimitStillReleasesTheSocket() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        // above server.protocols.websocket.max-frame-length: Helidon may drop the connection without onClose
        socket.sendInBackground("x".repeat(2 << 20));
        Eventually.await(Duration.ofSeconds(10), "the page lost its socket",
                () -> resident.registry().anyPage(pageId).orElseThrow().outbox() == null);
        SocketClient again = browser.socket(pageId);
        assertEquals("hello", again.next().get("t").asText());
    }

    @Test
    void notifyReachesEveryPageOfTheUserAndNobodyElse() {
        Browser aliceTab1 = new Browser(uri);
        aliceTab1.login("alice", "alice");
        String alicePage1 = aliceTab1.benchPage();
        Browser aliceTab2 = new Browser(uri);
        aliceTab2.login("alice", "alice");
        String alicePage2 = aliceTab2.benchPage();
        Browser bob = new Browser(uri);
        bob.login("bob", "bob");
        String bobPage = bob.benchPage();
        SocketClient s1 = aliceTab1.socket(alicePage1);
        SocketClient s2 = aliceTab2.socket(alicePage2);
        s1.next("hello");
        s2.next("hello");

        Reply sent = bob.rpc(bobPage, "notify", Json.object().put("user", "alice").put("topic", "hi")
                .set("payload", Json.object().put("text", "hello alice")), null);
        assertEquals(200, sent.status(), sent.body());
        for (SocketClient socket : new SocketClient[] {s1, s2}) {
            JsonNode notice = socket.next("notify");
            assertEquals("hi", notice.get("topic").asText());
            assertEquals("bob", notice.get("from").asText());
            assertEquals("hello alice", notice.get("payload").get("text").asText());
        }
        JsonNode bobMessages = bob.rpc(bobPage, "echo", null, 0L).json().get("messages");
        assertEquals(0, bobMessages.size(), "bob got nothing: " + bobMessages);
    }

    @Test
    void broadcastReachesEveryPage() {
        Browser one = new Browser(uri);
        Browser two = new Browser(uri);
        SocketClient s1 = one.socket(one.benchPage());
        SocketClient s2 = two.socket(two.benchPage());
        s1.next("hello");
        s2.next("hello");
        resident.registry().bus().broadcast(new Broadcast("maintenance", Json.object().put("in", "5m")));
        assertEquals("maintenance", s1.next("broadcast").get("topic").asText());
        assertEquals("5m", s2.next("broadcast").get("payload").get("in").asText());
    }

    @Test
    void closingThePageClosesItsSocket() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        browser.post("/_/close", Json.object().put("page_id", pageId));
        assertEquals(1000, socket.closeCode());
    }

    private Reply dbevent(String table, String event) {
        return new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"table\":\"" + table + "\",\"events\":[" + event + "]}")));
    }
}
