package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Params;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A drain saves each page for the next process between two calls. A call still running when the
 * drain comes to its page (HTTP calls are served until then, so one may begin during the drain)
 * is waited for, within the drain's grace, and its change is in the copy the next process
 * continues. Before, the drain waited 20 ms, then let the page go unsaved while the call went on
 * and answered 200: its change, and every change since the last periodic snapshot, were lost.
 */
@Timeout(60)
class DrainSavesRunningCallsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aCallRunningWhenItsPageIsReleasedIsWaitedForAndItsChangeContinuesElsewhere() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, Map.of(
                     "resident.state.store", "nats",
                     "resident.state.snapshot-interval", "1h", // only the drain writes the page
                     "resident.state.lease", "1s"))) {
            NatsSite.Node p01 = site.start("p01", new PageTypes().register(SlowCounter.type()));
            NatsSite.Node p02 = site.start("p02", new PageTypes().register(SlowCounter.type()));
            Browser onP01 = p01.browser();
            assertEquals(200, onP01.login("bob", "bob").status());
            String pageId = onP01.openPage("/slow", Json.object()).get("page_id").asText();

            CompletableFuture<Reply> slow = CompletableFuture.supplyAsync(
                    () -> onP01.rpc(pageId, "slowInc", Json.object().put("ms", 1500), null));
            assertTrue(SlowCounter.RUNNING.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the call runs, holding its page");
            // the drain's step that saves and releases the pages, reached while the call runs (in a
            // drain, a call that began after the wait for running calls)
            boolean released = p01.resident().registry().release(Duration.ofSeconds(10));

            Reply answered = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, answered.status(), answered.body());
            assertEquals(1, answered.json().get("result").asInt());
            assertTrue(released, "every page saved");

            Browser onP02 = p02.browser();
            onP02.useSession(onP01.connectionId());
            Reply continued = onP02.rpc(pageId, "count", null, null);
            assertEquals(200, continued.status(), "the page was saved and continues on p02: " + continued.body());
            assertEquals(1, continued.json().get("result").asInt(), "with the change of the call it waited for");
        }
    }

    /** A counter whose {@code slowInc} takes {@code ms} before it counts. */
    private static final class SlowCounter {
        /** Counted down when a {@code slowInc} has begun (it holds its page until it ends). */
        static final CountDownLatch RUNNING = new CountDownLatch(1);
        private final Page page;
        private long count;

        private SlowCounter(Page page, long count) {
            this.page = page;
            this.count = count;
        }

        static PageType<SlowCounter> type() {
            return PageType.builder("/slow", (page, params) -> new SlowCounter(page, 0))
                    .keeps(Long.class, counter -> counter.count, (page, params, count) -> new SlowCounter(page, count))
                    .method("slowInc", SlowCounter::slowInc)
                    .method("count", (counter, params) -> counter.count)
                    .build();
        }

        private Object slowInc(Params params) throws InterruptedException {
            RUNNING.countDown();
            Thread.sleep(params.integer("ms", 0, 0, 10_000)); // the page's work, e.g. a slow query
            count++;
            page.data().set("count", count);
            return count;
        }
    }
}
