package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The graceful stop: ready DOWN, new pages 503, sockets 1001, running calls finish, then stop. */
@Timeout(60)
class DrainTest {

    @Test
    void drainLetsRunningCallsFinishAndClosesSocketsWith1001() throws Exception {
        Resident resident = TestServers.resident(Map.of("resident.shutdown.grace", "20s"), new PageTypes());
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
        assertEquals("5", refused.headers().get("retry-after").get(0));
        assertFalse(running.isDone(), "the drain waits for the running call");

        Reply finished = running.get(20, TimeUnit.SECONDS);
        assertEquals(200, finished.status(), finished.body());
        drain.get(30, TimeUnit.SECONDS);
        assertFalse(server.isRunning());
    }
}
