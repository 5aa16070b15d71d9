package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.AdminView;
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

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configured limits: replay history, pages per connection, waiting calls, message and body sizes. */
@ServerTest
@Timeout(60)
class LimitsTest {
    private static final String SLOW_OPEN = "/slow-open";
    private static Resident resident;
    private final URI uri;

    LimitsTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        // a page type whose open hook takes a while, as one that reads a database would
        PageTypes types = new PageTypes().register(PageType.builder(SLOW_OPEN, (page, params) -> {
            Thread.sleep(300);
            return page;
        }).build());
        resident = TestServers.resident(Map.of(
                "resident.pages.history.max-messages", "5",
                "resident.limits.max-pages-per-connection", "3",
                "resident.limits.max-pending-rpc", "2",
                "resident.limits.max-body", "4096",
                "resident.limits.max-ws-message", "4096",
                "resident.limits.max-login-failures", "3",
                "resident.limits.max-watched-tables", "2",
                "resident.limits.notices-per-minute", "3"), types);
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    /** The tables a process watches are bounded: a page asking for one more gets 429; freed ones count no more. */
    @Test
    void theTablesWatchedAtOnceAreBounded() {
        Browser first = new Browser(uri);
        String both = first.benchPage("limits_a", "limits_b");
        new Browser(uri).benchPage("limits_a"); // a table already watched costs nothing
        Reply third = new Browser(uri).post("/_/pages", Json.object().put("path", "/_bench")
                .set("params", Json.object().set("tables", Json.array().add("limits_c"))));
        ProtocolTest.assertError(third, 429, "rate_limited");
        first.post("/_/close", Json.object().put("page_id", both));
        Eventually.await(Duration.ofSeconds(10), "limits_b no longer watched",
                () -> !resident.registry().subscribedTables().contains("limits_b"));
        new Browser(uri).benchPage("limits_c");
    }

    /**
     * The notices (and broadcasts) one user's pages send are rate-limited per sender: bob cannot
     * flood alice's pages; another sender is not held back by him.
     */
    @Test
    void theNoticesOfOneSenderAreRateLimited() {
        Browser alice = new Browser(uri);
        alice.login("alice", "alice");
        SocketClient socket = alice.socket(alice.benchPage());
        socket.next("hello");
        Browser bob = new Browser(uri);
        bob.login("bob", "bob");
        String bobPage = bob.benchPage();
        JsonNode notice = Json.object().put("user", "alice").put("topic", "hi");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, bob.rpc(bobPage, "notify", notice, null).status());
        }
        Reply refused = bob.rpc(bobPage, "notify", notice, null);
        ProtocolTest.assertError(refused, 429, "rate_limited");
        for (int i = 0; i < 3; i++) {
            assertEquals("bob", socket.next("notify").get("from").asText());
        }
        Browser guest = new Browser(uri);
        assertEquals(200, guest.rpc(guest.benchPage(), "notify", notice, null).status(), "another sender");
        assertEquals("guest", socket.next("notify").get("from").asText());
        assertEquals(0, socket.pending(), "nothing more reached alice");
    }

    /**
     * Long-polls cannot pile up on a page: two wait at once (its client's, and one replacing it),
     * and a third answers the oldest at once, with what it has; the two newest get the next message.
     */
    @Test
    void atMostTwoLongPollsWaitOnAPage() throws Exception {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        String poll = "/_/poll?page_id=" + Browser.encode(pageId) + "&after=0&wait=25";
        List<CompletableFuture<Reply>> polls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            polls.add(CompletableFuture.supplyAsync(() -> browser.get(poll)));
        }
        CompletableFuture.anyOf(polls.toArray(CompletableFuture[]::new)).get(10, java.util.concurrent.TimeUnit.SECONDS);
        List<CompletableFuture<Reply>> answered = polls.stream().filter(CompletableFuture::isDone).toList();
        assertEquals(1, answered.size(), "one poll answered long before its 25 s");
        Reply oldest = answered.get(0).join();
        assertEquals(200, oldest.status());
        assertEquals(0, oldest.json().get("messages").size(), "with what it had: nothing yet");

        browser.rpc(pageId, "inc");
        for (CompletableFuture<Reply> waiting : polls) {
            if (waiting != answered.get(0)) {
                assertEquals(1, waiting.join().json().get("messages").size(), "the two newest got the message");
            }
        }
    }

    @Test
    void resumingBeforeTheKeptHistoryIsAResync() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        for (int i = 0; i < 8; i++) {
            browser.rpc(pageId, "inc");
        }
        JsonNode kept = browser.rpc(pageId, "inc", null, 4L).json();
        assertEquals(5, kept.get("messages").size(), "seq 5..9 are kept");
        assertEquals(5, kept.get("messages").get(0).get("seq").asLong());

        JsonNode tooOld = browser.rpc(pageId, "inc", null, 2L).json();
        assertTrue(tooOld.get("resync").asBoolean(), tooOld.toString());
        assertEquals(0, tooOld.get("messages").size());

        JsonNode poll = browser.get("/_/poll?page_id=" + pageId + "&after=1&wait=0").json();
        assertTrue(poll.get("resync").asBoolean(), poll.toString());

        SocketClient socket = browser.socket(pageId, Map.of("after", "1"));
        socket.next("hello");
        assertEquals("resync", socket.next().get("t").asText());
    }

    @Test
    void longPollWaitsForTheNextMessage() throws Exception {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        CompletableFuture<Reply> poll = CompletableFuture.supplyAsync(
                () -> browser.get("/_/poll?page_id=" + pageId + "&after=0&wait=20"));
        Browser other = new Browser(uri);
        // the poll is parked until a message exists; inc makes one
        browser.rpc(pageId, "inc");
        JsonNode reply = poll.get(15, java.util.concurrent.TimeUnit.SECONDS).json();
        assertEquals(1, reply.get("seq").asLong());
        assertEquals("data", reply.get("messages").get(0).get("t").asText());
        JsonNode empty = browser.get("/_/poll?page_id=" + pageId + "&after=1&wait=0").json();
        assertEquals(0, empty.get("messages").size());
        assertError(browser.get("/_/poll?page_id=" + pageId + "&after=x"), 400, "bad_request");
        assertError(browser.get("/_/poll?page_id=" + pageId), 400, "bad_request");
        assertError(other.get("/_/poll?page_id=" + pageId + "&after=0&wait=0"), 404, "unknown_page");
    }

    @Test
    void tooManyPagesPerConnection() {
        Browser browser = new Browser(uri);
        for (int i = 0; i < 3; i++) {
            browser.benchPage();
        }
        assertError(browser.post("/_/pages", "{\"path\":\"/_bench\"}"), 429, "too_many_pages");
        assertEquals(201, new Browser(uri).post("/_/pages", "{\"path\":\"/_bench\"}").status(),
                "other connections are not affected");
    }

    @Test
    void opensAtOnceStayWithinThePagesOfAConnection() {
        Browser browser = new Browser(uri);
        browser.benchPage(); // the connection, with one page of three
        String open = "{\"path\":\"" + SLOW_OPEN + "\"}";
        List<CompletableFuture<Reply>> opens = IntStream.range(0, 8)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> browser.post("/_/pages", open)))
                .toList();
        List<Reply> replies = opens.stream().map(CompletableFuture::join).toList();
        assertEquals(2, replies.stream().filter(reply -> reply.status() == 201).count(), replies.toString());
        replies.stream().filter(reply -> reply.status() != 201).forEach(reply -> assertError(reply, 429, "too_many_pages"));
    }

    @Test
    void tooManyWaitingCallsOnOnePageAreRateLimited() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        String other = browser.benchPage();
        List<CompletableFuture<Reply>> calls = IntStream.range(0, 6)
                .mapToObj(i -> CompletableFuture.supplyAsync(
                        () -> browser.rpc(pageId, "work", Json.object().put("io_ms", 1500), null)))
                .toList();
        List<Reply> replies = calls.stream().map(CompletableFuture::join).toList();
        long ok = replies.stream().filter(r -> r.status() == 200).count();
        long limited = replies.stream().filter(r -> r.status() == 429 && r.errorCode().equals("rate_limited")).count();
        assertTrue(ok >= 2, replies.toString());
        assertTrue(limited >= 1, replies.toString());
        assertEquals(6, ok + limited, replies.toString());
        assertEquals(200, browser.rpc(other, "inc").status(), "another page is not limited");
    }

    /** A page's data waits for a running call as a call does, and counts among the calls waiting for the page. */
    @Test
    void snapshotsWaitingForABusyPageCountAsWaitingCalls() throws Exception {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        CompletableFuture<Reply> busy = CompletableFuture.supplyAsync(
                () -> browser.rpc(pageId, "work", Json.object().put("io_ms", 3000), null));
        Eventually.await(Duration.ofSeconds(10), "the slow call runs", () -> AdminView.pendingCalls(admin, pageId) == 1);
        List<CompletableFuture<Reply>> snapshots = IntStream.range(0, 4)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> browser.get("/_/page?page_id=" + Browser.encode(pageId))))
                .toList();
        List<Reply> replies = snapshots.stream().map(CompletableFuture::join).toList();
        assertEquals(1, replies.stream().filter(r -> r.status() == 200).count(), "one waits beside the call: " + replies);
        assertEquals(3, replies.stream().filter(r -> r.status() == 429 && r.errorCode().equals("rate_limited")).count());
        assertEquals(200, busy.get().status());
    }

    @Test
    void repeatedFailedLoginsAreThrottled() {
        Browser guesser = new Browser(uri);
        for (int i = 0; i < 3; i++) {
            assertError(guesser.login("carol", "guess" + i), 401, "unauthorized");
        }
        assertError(guesser.login("carol", "carol"), 429, "rate_limited");
        assertError(new Browser(uri).login("carol", "carol"), 429, "rate_limited");
    }

    @Test
    void theKeptHistoryStaysInOrderAfterManyTrims() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        for (int i = 0; i < 49; i++) {
            browser.rpc(pageId, "inc");
        }
        JsonNode kept = browser.rpc(pageId, "inc", null, 46L).json();
        List<Long> seqs = new ArrayList<>();
        kept.get("messages").forEach(m -> seqs.add(m.get("seq").asLong()));
        assertEquals(List.of(47L, 48L, 49L, 50L), seqs, kept.toString());
        kept.get("messages").forEach(m -> assertEquals(m.get("seq").asLong(),
                m.path("changes").path(0).path("value").asLong(-1), "each seq with its own message: " + m));
        assertTrue(browser.rpc(pageId, "inc", null, 45L).json().get("resync").asBoolean(), "seq 46 is gone: 47..51 are kept");
    }

    @Test
    void bodiesUpToTheLimitAreReadWholeWithOrWithoutADeclaredLength() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        for (boolean chunked : new boolean[] {false, true}) {
            String fits = echoBody(pageId, 4096);
            Reply echoed = postRpc(browser, fits, chunked);
            assertEquals(200, echoed.status(), echoed.body());
            assertEquals(echoParam(fits), echoed.json().path("result").path("x").asText(), "the whole body was read");
            assertError(postRpc(browser, echoBody(pageId, 4097), chunked), 413, "too_large");
            // a body grown past the first read buffer (512 bytes) several times, and one smaller than it
            assertEquals(200, postRpc(browser, echoBody(pageId, 3000), chunked).status());
            assertEquals(200, postRpc(browser, echoBody(pageId, 100), chunked).status());
        }
        assertError(postRpc(browser, "", true), 400, "bad_request");
    }

    /** An rpc body of exactly {@code bytes} bytes calling {@code echo} with one string param. */
    private static String echoBody(String pageId, int bytes) {
        String head = "{\"page_id\":\"" + pageId + "\",\"method\":\"echo\",\"params\":{\"x\":\"";
        String tail = "\"}}";
        return head + "b".repeat(bytes - head.length() - tail.length()) + tail;
    }

    private static String echoParam(String body) {
        return Json.parse(body.getBytes(StandardCharsets.UTF_8)).path("params").path("x").asText();
    }

    /** Posts {@code body} with a Content-Length, or chunked (no declared length) from a stream. */
    private static Reply postRpc(Browser browser, String body, boolean chunked) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.BodyPublisher publisher = chunked
                ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))
                : HttpRequest.BodyPublishers.ofByteArray(bytes);
        return browser.send(HttpRequest.newBuilder(browser.base().resolve("/_/rpc"))
                .header("Content-Type", "application/json").POST(publisher));
    }

    @Test
    void bodyAndSocketMessageLimits() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        assertError(browser.rpc(pageId, "echo", Json.object().put("x", "a".repeat(5000)), null), 413, "too_large");
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        socket.send("{\"t\":\"rpc\",\"id\":1,\"method\":\"echo\",\"params\":{\"x\":\"" + "a".repeat(5000) + "\"}}");
        assertEquals(1009, socket.closeCode());
        assertEquals(200, browser.rpc(pageId, "inc").status(), "the page stays resident");
        SocketClient fragmented = browser.socket(pageId);
        fragmented.next("hello");
        String half = "a".repeat(2500);
        fragmented.sendFragments("{\"t\":\"rpc\",\"id\":1,\"method\":\"echo\",\"params\":{\"x\":\"" + half, half + "\"}}");
        assertEquals(1009, fragmented.closeCode(), "the limit counts every frame of a message");
    }

    /**
     * The limit counts a message's bytes as sent when its frames end inside characters (Chrome cuts
     * messages past 64 KB so): 4,096 bytes pass, 4,097 close the socket with 1009. Helidon decoded
     * each frame by itself, so each cut character counted as two or three U+FFFD, 3 bytes each.
     */
    @Test
    void theSocketMessageLimitCountsBytesAsSentWhenFramesCutCharacters() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String head = "{\"t\":\"rpc\",\"id\":1,\"method\":\"echo\",\"params\":{\"x\":\"";
        String tail = "\"}}";
        int euros = (4096 - head.length() - tail.length()) / 3;
        String text = "\u20ac".repeat(euros) + "a".repeat(4096 - head.length() - tail.length() - 3 * euros);
        byte[] message = (head + text + tail).getBytes(StandardCharsets.UTF_8);
        assertEquals(4096, message.length);
        socket.sendFragments(cutInsideEuros(message, head.length()));
        JsonNode result = socket.next("result");
        assertEquals(text, result.path("result").path("x").asText(), "4,096 bytes fit, whole");
        byte[] over = (head + text + "a" + tail).getBytes(StandardCharsets.UTF_8);
        socket.sendFragments(cutInsideEuros(over, head.length()));
        assertEquals(1009, socket.closeCode());
    }

    /** {@code message} in frames of about 1,000 bytes, each ending after the first byte of a euro sign. */
    private static byte[][] cutInsideEuros(byte[] message, int eurosAt) {
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int cut = eurosAt + 1; cut < message.length - 1_000; cut += 999) {
            parts.add(Arrays.copyOfRange(message, start, cut));
            start = cut;
        }
        parts.add(Arrays.copyOfRange(message, start, message.length));
        return parts.toArray(byte[][]::new);
    }

    /** The socket message limit is in bytes as sent: 1,400 euro signs are 4,200 bytes, though 1,400 chars. */
    @Test
    void theSocketMessageLimitCountsBytesNotChars() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        socket.send("{\"t\":\"rpc\",\"id\":1,\"method\":\"echo\",\"params\":{\"x\":\"" + "\u20ac".repeat(1000) + "\"}}");
        assertEquals(1, socket.next("result").path("id").asInt(), "3,000 bytes fit");
        socket.send("{\"t\":\"rpc\",\"id\":2,\"method\":\"echo\",\"params\":{\"x\":\"" + "\u20ac".repeat(1400) + "\"}}");
        assertEquals(1009, socket.closeCode());
    }
}
