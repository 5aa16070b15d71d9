package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.example.CounterPage;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.SocketClient;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.Map;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An application page type, as the README shows it, through the public API. */
@ServerTest
@Timeout(60)
class PageTypeExampleTest {
    private static Resident resident;
    private final URI uri;

    PageTypeExampleTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(Map.of("resident.bench-pages", "false", "resident.cpu-threads", "1"),
                new PageTypes().register(CounterPage.type()).register(FAULTY).register(REPORT));
        server.update(resident::setup);
    }

    /** A page type whose code fails the way buggy application code does. */
    private static final PageType<Object> FAULTY = PageType.builder("/faulty", (page, params) -> {
                if (params.bool("fail", false)) {
                    throw new IllegalStateException("open hook bug");
                }
                return new Object();
            })
            .method("boom", (page, params) -> {
                throw new IllegalStateException("secret detail");
            })
            .build();

    /** A page type whose method computes for a while on the CPU pool, as a report would. */
    private static final PageType<Page> REPORT = PageType.builder("/report", (page, params) -> page)
            .method("run", (page, params) -> page.compute(() -> {
                long end = System.nanoTime() + Duration.ofMillis(params.integer("ms", 0)).toNanos();
                long spins = 0;
                while (System.nanoTime() < end) {
                    spins++;
                }
                return spins > 0;
            }))
            .build();

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void failingPageCodeAnswers500WithAnIdAndNoDetail() {
        Browser browser = new Browser(uri);
        String pageId = browser.openPage("/faulty", null).get("page_id").asText();
        Browser.Reply reply = browser.rpc(pageId, "boom");
        assertError(reply, 500, "internal");
        assertFalse(reply.body().contains("secret"), reply.body());
        assertEquals(12, reply.json().get("error").get("id").asText().length());
        assertError(browser.post("/_/pages", "{\"path\":\"/faulty\",\"params\":{\"fail\":true}}"), 500, "internal");

        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        socket.send("{\"t\":\"rpc\",\"id\":1,\"method\":\"boom\"}");
        JsonNode error = socket.next("error");
        assertEquals("internal", error.get("code").asText());
        assertFalse(error.toString().contains("secret"));
        assertError(browser.rpc(pageId, "boom"), 500, "internal"); // the page survives its bugs
    }

    @Test
    void cpuBoundPageCodeDoesNotHoldUpOtherPages() throws Exception {
        Browser browser = new Browser(uri);
        String counter = browser.openPage("/counter", null).get("page_id").asText();
        List<String> reports = IntStream.range(0, 4)
                .mapToObj(i -> browser.openPage("/report", null).get("page_id").asText()).toList();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Browser.Reply>> running = reports.stream()
                    .map(report -> clients.submit(() -> browser.rpc(report, "run", Json.object().put("ms", 1500), null)))
                    .toList();
            Eventually.await(Duration.ofSeconds(10), "four reports running", () -> resident.lifecycle().inFlight() == 4);
            // four computations on a one-thread pool take 6 s; on the two carriers they would block this call
            assertEquals(200, browser.rpc(counter, "inc").status());
            assertTrue(running.stream().noneMatch(Future::isDone), "the inc did not wait for them");
            for (Future<Browser.Reply> report : running) {
                assertEquals(200, report.get(30, TimeUnit.SECONDS).status());
            }
        }
    }

    @Test
    void openHookMethodsDataAndNotifications() {
        Browser alice = new Browser(uri);
        alice.login("alice", "alice");
        JsonNode alicePage = alice.openPage("/counter", Json.object().put("start", 9));
        assertEquals(9, alicePage.get("data").get("counter").get("value").asLong());

        Browser bob = new Browser(uri);
        String bobPage = bob.openPage("/counter", null).get("page_id").asText();
        assertEquals(2, bob.rpc(bobPage, "inc", Json.object().put("by", 2), null).json().get("result").asLong());
        JsonNode data = bob.rpc(bobPage, "inc", Json.object().put("by", 9), 0L).json().get("messages").get(1);
        assertEquals("counter.value", data.get("changes").get(0).get("path").asText());
        assertEquals("inc", data.get("changes").get(0).get("reason").asText());
        assertEquals(11, data.get("changes").get(0).get("value").asLong());

        JsonNode notice = alice.rpc(alicePage.get("page_id").asText(), "inc", Json.object().put("by", 1), 0L)
                .json().get("messages").get(0);
        assertEquals("notify", notice.get("t").asText(), "bob's count passed 10");
        assertEquals(11, notice.get("payload").get("value").asLong());

        assertError(bob.rpc(bobPage, "inc", Json.object().put("by", 1000), null), 422, "unprocessable");
        assertError(bob.post("/_/pages", "{\"path\":\"/counter\",\"params\":{\"start\":\"x\"}}"), 422, "unprocessable");
        assertError(bob.post("/_/pages", "{\"path\":\"/_bench\"}"), 404, "unknown_page");
    }
}
