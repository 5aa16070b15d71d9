package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The graceful stop: ready DOWN, new pages 503, sockets 1001, running calls finish, then stop. */
@Tag("slow")
@Timeout(60)
class DrainTest {

    @Test
    void drainLetsRunningCallsFinishAndClosesSocketsWith1001() throws Exception {
        Resident resident = TestServers.resident(Map.of("resident.shutdown.grace", "20s",
                "resident.shutdown.linger", "3s"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        Observe observe = new Observe(uri);
        assertEquals(200, observe.readyStatus());

        CompletableFuture<Reply> running = CompletableFuture.supplyAsync(
                () -> browser.rpc(pageId, "work", Json.object().put("io_ms", 3000), null));
        Eventually.await(Duration.ofSeconds(10), "the call is running", () -> resident.lifecycle().inFlight() == 1);
        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> resident.drainAndStop(server));

        assertEquals(1001, socket.closeCode());
        Eventually.await(Duration.ofSeconds(5), "ready DOWN", () -> observe.readyStatus() == 503);
        Reply refused = new Browser(uri).post("/_/pages", "{\"path\":\"/_bench\"}");
        assertError(refused, 503, "unavailable");
        // the drain lasts about the linger once the call has ended: the client comes back then (before: 5)
        assertEquals("3", refused.headers().get("retry-after").get(0));
        assertFalse(running.isDone(), "the drain waits for the running call");

        Reply finished = running.get(20, TimeUnit.SECONDS);
        assertEquals(200, finished.status(), finished.body());
        drain.get(30, TimeUnit.SECONDS);
        assertFalse(server.isRunning());
    }

    /**
     * Once the drain has released the pages, and while requests still come (the process lingers),
     * a call on a page is refused with a {@code Retry-After} no longer than what is left of the
     * linger (before: 5 s, so a call that met the stopping process waited 5 s), and a page socket
     * with 503 before its upgrade, which a proxy may send to another process at once (before: 101,
     * then closed with 1001, which only the client tries again, after its backoff).
     */
    @Test
    void onceThePagesAreReleasedTheyAreRefusedForNoLongerThanTheLingerAndSocketsBeforeTheUpgrade() throws Exception {
        Path dir = Files.createTempDirectory("drain-released");
        Resident resident = TestServers.resident(Map.of("resident.state.store", "embedded",
                "resident.state.dir", dir.toString(), "resident.shutdown.linger", "3s"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        AtomicBoolean asking = new AtomicBoolean(true);
        Thread requester = null;
        try {
            Browser browser = new Browser(uri);
            String pageId = browser.benchPage();
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> resident.drainAndStop(server));
            // requests keep coming, as through a proxy that persists: the linger ends 250 ms after the last
            Observe observe = new Observe(uri);
            requester = Thread.ofPlatform().start(() -> {
                while (asking.get()) {
                    try {
                        observe.readyStatus();
                    } catch (RuntimeException e) {
                        return; // the linger ended
                    }
                }
            });
            Eventually.await(Duration.ofSeconds(10), "released", () -> resident.lifecycle().released());

            Reply refused = browser.rpc(pageId, "inc");
            assertError(refused, 503, "unavailable");
            long retryAfter = Long.parseLong(refused.headers().get("retry-after").get(0));
            assertTrue(retryAfter >= 1 && retryAfter <= 3, "Retry-After " + retryAfter);

            try (RawHttp socket = new RawHttp(uri)) {
                byte[] key = new byte[16];
                socket.send("GET /_/ws?page_id=" + URLEncoder.encode(pageId, StandardCharsets.UTF_8)
                        + " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
                        + "\r\n\r\n");
                RawHttp.Answer answer = socket.answer();
                assertEquals(503, answer.status(), answer.toString());
                assertTrue(answer.body().contains("\"unavailable\""), answer.body());
                long socketRetryAfter = Long.parseLong(answer.headers().get("retry-after"));
                assertTrue(socketRetryAfter >= 1 && socketRetryAfter <= 3, "Retry-After " + socketRetryAfter);
            }
            asking.set(false);
            drain.get(30, TimeUnit.SECONDS);
        } finally {
            asking.set(false);
            if (requester != null) {
                requester.join();
            }
            if (server.isRunning()) {
                server.stop();
                resident.close();
            }
        }
    }

    /**
     * A connection kept alive from before the drain (as a proxy keeps its upstream connections) is
     * closed by the server after its next answer, so that none is left for a proxy to send a
     * request on just as the process stops (that request would be answered 502). Before the drain
     * the same connection stays open.
     */
    @Test
    void onceTheProcessDrainsEveryAnswerClosesItsConnection() throws Exception {
        Resident resident = TestServers.resident(Map.of("resident.shutdown.grace", "20s"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        String live = "GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (RawHttp kept = new RawHttp(uri)) {
            assertEquals(200, kept.send(live).answer().status());
            assertFalse(kept.closedWithoutMore(Duration.ofMillis(200)), "kept alive before the drain");

            Browser browser = new Browser(uri);
            String pageId = browser.benchPage();
            CompletableFuture<Reply> running = CompletableFuture.supplyAsync(
                    () -> browser.rpc(pageId, "work", Json.object().put("io_ms", 2000), null));
            Eventually.await(Duration.ofSeconds(10), "the call is running", () -> resident.lifecycle().inFlight() == 1);
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> resident.drainAndStop(server));
            Eventually.await(Duration.ofSeconds(5), "draining", () -> resident.lifecycle().draining());

            RawHttp.Answer answer = kept.send(live).answer();
            assertEquals(200, answer.status());
            assertEquals("close", answer.headers().get("connection"));
            assertTrue(kept.closedWithoutMore(Duration.ofSeconds(5)), "the server closed it after the answer");
            assertEquals(200, running.get(20, TimeUnit.SECONDS).status());
            drain.get(30, TimeUnit.SECONDS);
        } finally {
            if (server.isRunning()) {
                server.stop();
                resident.close();
            }
        }
    }

    /**
     * A connection accepted before the stop closed the listener, whose request comes only then (a
     * proxy sends it right after connecting), is answered, not closed under it. Before, the stop
     * interrupted it at once as idle, and a proxy answered its request 502.
     */
    @Test
    void aConnectionAcceptedBeforeTheStopGetsItsFirstRequestAnswered() throws Exception {
        Resident resident = TestServers.resident(Map.of(), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        Observe observe = new Observe(uri);
        double open = observe.metric("resident_tcp_connections");
        try (RawHttp fresh = new RawHttp(uri)) {
            Eventually.await(Duration.ofSeconds(10), "the server took the connection",
                    () -> observe.metric("resident_tcp_connections") == open + 1);
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> resident.drainAndStop(server));
            Eventually.await(Duration.ofSeconds(10), "the listener closed", () -> refused(uri));

            RawHttp.Answer answer = fresh.send("GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n").answer();
            assertEquals(200, answer.status());
            assertEquals("close", answer.headers().get("connection"));
            drain.get(30, TimeUnit.SECONDS);
        } finally {
            if (server.isRunning()) {
                server.stop();
                resident.close();
            }
        }
    }

    /** Whether a new connection to the server is refused: its listening socket is closed. */
    private static boolean refused(URI uri) {
        try (Socket probe = new Socket(uri.getHost(), uri.getPort())) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * A call running on a socket when the drain closes it is answered before the close frame, and a
     * call sent behind it does not run: so the client may send that one again (resident.js does,
     * over HTTP). Before, the close dropped the running call's answer: the client could not tell
     * whether either had run.
     */
    @Test
    void aSocketClosedByTheDrainAnswersItsRunningCallFirstAndRunsNoOther() throws Exception {
        Resident resident = TestServers.resident(Map.of("resident.shutdown.grace", "20s"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        String holder = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        // a long call on another page keeps the drain waiting, so the page still answers afterwards
        CompletableFuture<Reply> holding = CompletableFuture.supplyAsync(
                () -> browser.rpc(holder, "work", Json.object().put("io_ms", 6000), null));

        socket.send("{\"t\":\"rpc\",\"id\":1,\"method\":\"work\",\"params\":{\"io_ms\":1000}}");
        socket.send("{\"t\":\"rpc\",\"id\":2,\"method\":\"inc\",\"params\":{}}");
        Eventually.await(Duration.ofSeconds(10), "both work calls run", () -> resident.lifecycle().inFlight() == 2);
        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> resident.drainAndStop(server));

        assertEquals(1001, socket.closeCode());
        List<String> answered = new ArrayList<>();
        while (socket.pending() > 0) {
            JsonNode frame = socket.next();
            if (frame.has("id")) {
                answered.add(frame.path("t").asText() + " " + frame.get("id").asText());
            }
        }
        assertEquals(List.of("result 1"), answered, "the running call's answer came before the close; the next did not run");
        Reply inc = browser.rpc(pageId, "inc");
        assertEquals(200, inc.status(), inc.body());
        assertEquals(1, inc.json().path("result").asInt(), "the inc sent behind the running call never ran");

        assertEquals(200, holding.get(20, TimeUnit.SECONDS).status());
        drain.get(30, TimeUnit.SECONDS);
        assertFalse(server.isRunning());
    }
}
