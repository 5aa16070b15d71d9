package dev.resident;

import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Calls on one page are serialized; calls on different pages are not. */
class ConcurrencyTest extends DefaultServerTest {
    ConcurrencyTest(URI uri) {
        super(uri);
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
