package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Observe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * A process of a site that has released its pages and lingers (requests still come, as through a
 * proxy that persists) sends a call for a page that another process has continued since straight
 * there: 409 {@code page_moved} with the page's id now, which the client follows at once. Before,
 * it answered 503 with its {@code Retry-After}, and the call waited that long. Until another
 * process has it, the 503 says {@code Retry-After: 1} (not what is left of the linger: on a site
 * the page's socket reconnecting through the balancer continues it elsewhere within moments).
 * Another session learns nothing of the page: 404, as for any page not its own.
 */
@Timeout(120)
class DrainOnASiteTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /**
     * A read of a page alive on another process that came here (a balancer's retry of a 503 there,
     * or of the drain evicting it before its released record is written) waits a second, not the
     * default five: its process answers it or lets go of it within moments.
     */
    @Test
    void aPageAliveOnAnotherProcessIsAskedForAgainInASecond() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, Map.of("resident.state.store", "nats"))) {
            NatsSite.Node p01 = site.start("p01");
            NatsSite.Node p02 = site.start("p02");
            Browser onP01 = p01.browser();
            String pageId = onP01.benchPage();
            assertEquals(1, onP01.incBench(pageId, 1));
            Browser onP02 = p02.browser();
            onP02.useSession(onP01.connectionId());

            Reply read = onP02.get("/_/page?page_id=" + Browser.encode(pageId));
            assertEquals(503, read.status(), read.body());
            assertEquals("1", read.header("retry-after"));
            assertEquals(2, onP01.incBench(pageId, 1), "still p01's, nothing lost");
        }
    }

    @Test
    void aStoppingProcessSendsACallForAPageContinuedElsewhereThereAtOnce() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, Map.of("resident.state.store", "nats",
                     "resident.shutdown.linger", "20s"))) {
            NatsSite.Node p01 = site.start("p01");
            NatsSite.Node p02 = site.start("p02");
            Browser onP01 = p01.browser();
            String pageId = onP01.benchPage();
            assertEquals(2, onP01.incBench(pageId, 2));

            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> p01.resident().drainAndStop(p01.server()));
            AtomicBoolean asking = new AtomicBoolean(true);
            Observe observe = new Observe(p01.uri());
            Thread requester = Thread.ofPlatform().start(() -> { // keeps p01 lingering: it stops 250 ms after the last request
                while (asking.get()) {
                    try {
                        observe.readyStatus();
                    } catch (RuntimeException e) {
                        return;
                    }
                }
            });
            try {
                Eventually.await(PATIENCE, "p01 released its pages", () -> p01.resident().lifecycle().released());

                Reply early = onP01.rpc(pageId, "inc"); // no other process has it yet
                assertEquals(503, early.status(), early.body());
                assertEquals("1", early.header("retry-after"), "on a site: ask again in a second, not after the linger");

                Browser onP02 = p02.browser();
                onP02.useSession(onP01.connectionId());
                Reply continued = onP02.rpc(pageId, "inc");
                assertEquals(200, continued.status(), continued.body());
                String movedId = continued.json().get("page_id").asText();
                assertNotEquals(pageId, movedId, "p02 continued the page under its own id");

                Reply onStopping = onP01.rpc(pageId, "inc");
                assertEquals(409, onStopping.status(), onStopping.body());
                assertEquals("page_moved", onStopping.errorCode());
                assertEquals(movedId, onStopping.json().get("page_id").asText());

                Browser stranger = p01.browser();
                Reply strangers = stranger.rpc(pageId, "inc");
                assertEquals(404, strangers.status(), strangers.body()); // as any page not its own
                assertEquals(false, strangers.body().contains(movedId), strangers.body());
            } finally {
                asking.set(false);
                requester.join();
            }
            drain.get(30, TimeUnit.SECONDS);
        }
    }
}
