package dev.resident.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.Haproxy;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-process site as {@code deploy/} ships it, every request through the real HAProxy with
 * {@code deploy/haproxy.cfg}: processes p01 and p02 over a real nats-server, a fresh site per test.
 */
@Timeout(60)
class SiteBehindHaproxyTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private NatsTestServer nats;
    private NatsSite site;
    private Map<String, Node> nodes;
    private Haproxy haproxy;

    @BeforeEach
    void start() {
        nats = new NatsTestServer();
        site = new NatsSite(nats, Map.of());
        nodes = Map.of("p01", site.start("p01"), "p02", site.start("p02"));
        haproxy = new Haproxy(List.copyOf(nodes.values()));
    }

    @AfterEach
    void stop() {
        // the reverse of start; a start that failed half way left the rest null
        if (haproxy != null) {
            haproxy.close();
        }
        if (site != null) {
            site.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void aBrowserKeepsLandingOnTheProcessThatHoldsItsPages() {
        Set<String> used = new HashSet<>();
        for (int b = 0; b < 4; b++) {
            Browser browser = haproxy.browser();
            Set<String> processes = new HashSet<>();
            for (int p = 0; p < 3; p++) {
                String pageId = browser.benchPage();
                processes.add(processOf(pageId));
                assertTrue(residentIn(processOf(pageId), pageId), pageId + " lives where its id says");
            }
            assertEquals(1, processes.size(), "one browser, one process: " + processes);
            used.addAll(processes);
        }
        assertEquals(Set.of("p01", "p02"), used, "new browsers are spread over the processes");
    }

    @Test
    void rpcAndTheSocketWorkThroughHaproxyAndAResumedSocketReplays() {
        Browser browser = haproxy.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        String epoch = socket.next("hello").get("epoch").asText();

        assertEquals(1, browser.rpc(pageId, "inc").json().get("result").asInt(), "rpc over HTTP");
        assertEquals(1, socket.next("data").get("seq").asInt());
        socket.send(Json.object().put("t", "rpc").put("id", 7).put("method", "inc"));
        long seen = socket.next("data").get("seq").asLong();
        assertEquals(2, socket.next("result").get("result").asInt(), "rpc over the socket");
        socket.close();
        assertEquals(1000, socket.closeCode());

        assertEquals(3, browser.rpc(pageId, "inc").json().get("result").asInt(), "while the socket is away");
        SocketClient resumed = browser.socket(pageId, Map.of("after", Long.toString(seen), "epoch", epoch));
        assertEquals(seen, resumed.next("hello").get("seq").asLong() - 1);
        JsonNode replayed = resumed.next("data");
        assertEquals(seen + 1, replayed.get("seq").asLong(), "the missed message is replayed");
        assertEquals(3, replayed.get("changes").get(0).get("value").asInt());
    }

    @Test
    void aSocketFindsItsPagesProcessAfterHaproxyForgotTheBrowser() {
        Map<String, Browser> browsers = oneBrowserPerProcess();
        Map<String, List<String>> pages = new TreeMap<>();
        browsers.forEach((process, browser) -> pages.put(process, List.of(browser.benchPage(), browser.benchPage())));

        haproxy.restart(); // its stick table is empty now; the browsers still send their cookies
        assertFalse(haproxy.command("show table resident").contains("key="), "nothing learnt yet");
        // two sockets in a row per browser: balancing alone would send one of them to the other process
        pages.forEach((process, ids) -> {
            for (String pageId : ids) {
                SocketClient socket = browsers.get(process).socket(pageId);
                assertEquals(pageId, socket.next("hello").get("page_id").asText(), "reached " + process);
                socket.close();
            }
        });
    }

    @Test
    void aDbeventPostedThroughHaproxyReachesPagesOnBothProcesses() {
        Map<String, SocketClient> sockets = new TreeMap<>();
        oneBrowserPerProcess().forEach((process, browser) -> {
            SocketClient socket = browser.socket(browser.benchPage("orders"));
            socket.next("hello");
            sockets.put(process, socket);
            nats.awaitSubscription(nodes.get(process).natsName(), NatsSite.PREFIX + ".dbevent.orders", true);
        });

        ObjectNode dbevent = Json.object().put("table", "orders");
        dbevent.putArray("events").addObject().put("action", "I").put("pkey", 42);
        Reply accepted = haproxy.browser().send(HttpRequest.newBuilder(haproxy.uri().resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(dbevent))));
        assertEquals(202, accepted.status(), accepted.body());
        sockets.forEach((process, socket) ->
                assertEquals(42, socket.next("dbevent").get("events").get(0).get("pkey").asInt(), process));
    }

    @Test
    void aDrainingProcessClosesItsSocketsAndGetsNoNewBrowsers() throws Exception {
        Map<String, Browser> browsers = oneBrowserPerProcess();
        Browser onP01 = browsers.get("p01");
        String pageOnP01 = onP01.benchPage();
        SocketClient socketOnP01 = onP01.socket(pageOnP01);
        socketOnP01.next("hello");
        Browser onP02 = browsers.get("p02");
        SocketClient socketOnP02 = onP02.socket(onP02.benchPage());
        socketOnP02.next("hello");
        Node p01 = nodes.get("p01");
        // a running call holds the drain open, so p01 still serves while HAProxy reacts
        CompletableFuture<Reply> running = CompletableFuture.supplyAsync(
                () -> onP01.rpc(pageOnP01, "work", Json.object().put("io_ms", 4000), null));
        Eventually.await(WAIT, "the call runs on p01", () -> p01.resident().lifecycle().inFlight() == 1);

        CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> p01.resident().drainAndStop(p01.server()));
        assertEquals(1001, socketOnP01.closeCode(), "p01's sockets are told to go away");
        haproxy.awaitStatus("p01", "DOWN");
        for (int b = 0; b < 3; b++) {
            assertEquals("p02", processOf(haproxy.browser().benchPage()), "new browsers go to p02");
        }
        assertEquals(200, onP01.rpc(pageOnP01, "echo").status(), "p01's browsers still reach it");
        assertFalse(running.isDone(), "p01 was still draining");
        assertFalse(socketOnP02.isClosed(), "p02's sockets stay");

        assertEquals(200, running.get(20, TimeUnit.SECONDS).status(), "the running call finished");
        drain.get(20, TimeUnit.SECONDS);
        assertEquals(4404, onP01.socket(pageOnP01).closeCode(), "p01's page went with it");
    }

    /** A browser with a page on each process: new browsers go to the processes in turn. */
    private Map<String, Browser> oneBrowserPerProcess() {
        Map<String, Browser> browsers = new TreeMap<>();
        for (int b = 0; b < 10 && browsers.size() < nodes.size(); b++) {
            Browser browser = haproxy.browser();
            browsers.putIfAbsent(processOf(browser.benchPage()), browser);
        }
        assertEquals(nodes.keySet(), browsers.keySet());
        return browsers;
    }

    /** Whether the registry of {@code process} holds the page: the suffix is what HAProxy goes by, this is the truth. */
    private boolean residentIn(String process, String pageId) {
        return nodes.get(process).resident().registry().anyPage(pageId).isPresent();
    }

    private static String processOf(String pageId) {
        return pageId.substring(pageId.lastIndexOf('|') + 1);
    }
}
