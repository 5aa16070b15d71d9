package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import dev.resident.task.TaskType;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A service that refuses a page method's own code midway ({@code page.submit} with no task queue
 * to take the job, {@code page.compute} with the CPU pool's queue full) does not answer
 * {@code unavailable}: that code says that nothing ran, so a client sends the call again, and
 * this method had already changed its page. It answers 500 {@code tasks_unavailable} or
 * {@code cpu_busy}, over HTTP and over the socket, without {@code Retry-After}.
 */
@ServerTest
@Timeout(60)
class CallsStoppedMidwayTest {
    /** Holds the one CPU thread until the test lets it go. */
    private static final CountDownLatch RELEASE = new CountDownLatch(1);
    private static final CountDownLatch COMPUTING = new CountDownLatch(1);
    private static Resident resident;
    private final Browser browser;

    CallsStoppedMidwayTest(URI uri) {
        this.browser = new Browser(uri);
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        PageTypes types = new PageTypes().register(PageType.builder("/orders", (page, params) -> page)
                .method("order", (page, params) -> {
                    count(page, "orders");
                    return page.submit("export", null);
                })
                .method("crunch", (page, params) -> {
                    count(page, "crunches");
                    return page.compute(() -> {
                        COMPUTING.countDown();
                        return RELEASE.await(30, TimeUnit.SECONDS);
                    });
                })
                .build());
        // this process runs no tasks and has no other queue; one CPU thread, one computation may wait
        resident = TestServers.resident(Map.of("resident.tasks.workers", "0",
                "resident.cpu-threads", "1", "resident.cpu-queue", "1"), types);
        resident.taskTypes().register(TaskType.builder("export", (params, task) -> "exported").build());
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        RELEASE.countDown();
        resident.close();
    }

    private static void count(Page page, String field) {
        JsonNode count = page.data().get(field);
        page.data().set(field, count == null ? 1 : count.asInt() + 1);
    }

    @Test
    void aSubmitThatNoQueueTakesAnswersTasksUnavailable() {
        String page = openOrders();
        Reply refused = browser.rpc(page, "order");
        assertEquals(500, refused.status(), refused.body());
        assertEquals("tasks_unavailable", refused.errorCode());
        assertNull(refused.header("retry-after"), "nothing invites a client or a proxy to send it again");

        SocketClient socket = browser.socket(page);
        socket.next("hello");
        socket.send(Json.object().put("t", "rpc").put("id", 3).put("method", "order").set("params", Json.object()));
        JsonNode error = socket.next("error");
        assertEquals("tasks_unavailable", error.path("code").asText(), error.toString());
        assertEquals(2, data(page).path("orders").asInt(), "both calls ran up to the submit");
    }

    @Test
    void aComputationThatFindsTheCpuQueueFullAnswersCpuBusy() throws Exception {
        String holder = openOrders();
        CompletableFuture<Reply> holding = CompletableFuture.supplyAsync(() -> browser.rpc(holder, "crunch"));
        COMPUTING.await(30, TimeUnit.SECONDS);
        // the CPU thread is taken: of two more computations, one waits in the queue and one is refused
        List<String> pages = List.of(openOrders(), openOrders());
        List<CompletableFuture<Reply>> calls = pages.stream()
                .map(page -> CompletableFuture.supplyAsync(() -> browser.rpc(page, "crunch"))).toList();
        CompletableFuture.anyOf(calls.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Reply refused = calls.stream().filter(CompletableFuture::isDone).findFirst().orElseThrow().join();
        assertEquals(500, refused.status(), refused.body());
        assertEquals("cpu_busy", refused.errorCode());
        assertNull(refused.header("retry-after"));
        assertEquals(200, new Browser(browser.base()).login("bob", "bob").status(),
                "a password check runs apart: page code filling the pool does not keep everyone from logging in");

        RELEASE.countDown();
        assertEquals(200, holding.get(30, TimeUnit.SECONDS).status());
        List<Integer> statuses = calls.stream().map(call -> call.join().status()).sorted().toList();
        assertEquals(List.of(200, 500), statuses, "the queued computation ran once the thread was free");
        for (String page : pages) {
            assertEquals(1, data(page).path("crunches").asInt(), "each call ran up to its computation once");
        }
    }

    private String openOrders() {
        return browser.openPage("/orders", null).get("page_id").asText();
    }

    private JsonNode data(String page) {
        return browser.get("/_/page?page_id=" + URLEncoder.encode(page, StandardCharsets.UTF_8)).json().path("data");
    }
}
