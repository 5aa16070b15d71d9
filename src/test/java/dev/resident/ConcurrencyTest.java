package dev.resident;

import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Calls on one page are serialized; calls on different pages are not. */
@ServerTest
@Timeout(120)
class ConcurrencyTest {
    private static Resident resident;
    private final URI uri;

    ConcurrencyTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of());
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void thousandConcurrentIncsOnOnePageLoseNoUpdate() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Reply>> calls = IntStream.range(0, 1000)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> browser.rpc(pageId, "inc"), clients))
                    .toList();
            List<Long> results = calls.stream().map(CompletableFuture::join)
                    .peek(reply -> assertEquals(200, reply.status(), reply.body()))
                    .map(reply -> reply.json().get("result").asLong())
                    .sorted().toList();
            assertEquals(LongStream.rangeClosed(1, 1000).boxed().toList(), results, "every call saw a distinct count");
        }
        assertEquals(1001, browser.rpc(pageId, "inc").json().get("result").asLong());
        assertEquals(1001, browser.get("/_/page?page_id=" + pageId).json().get("data").get("count").asLong());
    }

    @Test
    void aLongCallOnOnePageDoesNotHoldUpAnother() throws Exception {
        Browser browser = new Browser(uri);
        String busy = browser.benchPage();
        String free = browser.benchPage();
        CompletableFuture<Reply> slow = CompletableFuture.supplyAsync(
                () -> browser.rpc(busy, "work", Json.object().put("io_ms", 5000), null));
        for (int i = 0; i < 20; i++) {
            assertEquals(200, browser.rpc(free, "inc").status());
        }
        assertFalse(slow.isDone(), "twenty calls on another page finished while the long one runs");
        assertEquals(200, slow.get(20, TimeUnit.SECONDS).status());
    }
}
