package dev.resident.deploy;

import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.Haproxy;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The site behind the real HAProxy with {@code deploy/haproxy.cfg}, health checks included. */
@Timeout(60)
class SiteBehindHaproxyTest extends BalancedSiteTest {
    private Haproxy haproxy;

    @BeforeEach
    void startHaproxy() {
        haproxy = new Haproxy(List.copyOf(nodes.values()));
    }

    @AfterEach
    void stopHaproxy() {
        if (haproxy != null) {
            haproxy.close();
        }
    }

    @Override
    Browser browser() {
        return haproxy.browser();
    }

    /** A restart empties HAProxy's stick table; the browsers still send their cookies. */
    @Override
    void loseStickiness(Collection<Browser> browsers) {
        haproxy.restart();
        assertFalse(haproxy.command("show table resident").contains("key="), "nothing learnt yet");
    }

    @Test
    void aDrainingProcessClosesItsSocketsAndGetsNoNewBrowsers() throws Exception {
        Map<String, Browser> browsers = oneBrowserPerProcess();
        Browser onP01 = browsers.get("p01");
        String pageOnP01 = onP01.benchPage();
        String idlePageOnP01 = onP01.benchPage(); // calls on one page wait for each other
        SocketClient socketOnP01 = onP01.socket(pageOnP01);
        socketOnP01.next("hello");
        Browser onP02 = browsers.get("p02");
        SocketClient socketOnP02 = onP02.socket(onP02.benchPage());
        socketOnP02.next("hello");
        Node p01 = nodes.get("p01");
        // a running call holds the drain open, so p01 still serves while HAProxy reacts
        CompletableFuture<Reply> running = CompletableFuture.supplyAsync(
                () -> onP01.rpc(pageOnP01, "work", Json.object().put("io_ms", 4000), null));
        Eventually.await(Duration.ofSeconds(15), "the call runs on p01", () -> p01.resident().lifecycle().inFlight() == 1);

        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> p01.resident().drainAndStop(p01.server()));
        assertEquals(1001, socketOnP01.closeCode(), "p01's sockets are told to go away");
        haproxy.awaitStatus("p01", "DOWN");
        for (int b = 0; b < 3; b++) {
            assertEquals("p02", processOf(browser().benchPage()), "new browsers go to p02");
        }
        assertEquals(200, onP01.rpc(idlePageOnP01, "echo").status(), "p01's browsers still reach it");
        assertFalse(running.isDone(), "p01 was still draining");
        assertFalse(socketOnP02.isClosed(), "p02's sockets stay");

        assertEquals(200, running.get(20, TimeUnit.SECONDS).status(), "the running call finished");
        drain.get(20, TimeUnit.SECONDS);
        assertEquals(4404, onP01.socket(pageOnP01).closeCode(), "p01's page went with it");
    }
}
