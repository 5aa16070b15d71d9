package dev.resident.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-process site as {@code deploy/} ships it: processes p01 and p02 over a real nats-server,
 * a fresh site per test, and every request through the load balancer a subclass runs in front.
 */
abstract class BalancedSiteTest {
    NatsTestServer nats;
    NatsSite site;
    Map<String, Node> nodes;

    /** A new browser session on the site, through the balancer. */
    abstract Browser browser();

    /** Makes the balancer forget which process each of {@code browsers} belongs to. */
    abstract void loseStickiness(Collection<Browser> browsers);

    @BeforeEach
    void startSite() {
        nats = new NatsTestServer();
        site = new NatsSite(nats, Map.of());
        nodes = Map.of("p01", site.start("p01"), "p02", site.start("p02"));
    }

    @AfterEach
    void stopSite() {
        // after the subclass's balancer; a start that failed half way left the rest null
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
            Browser browser = browser();
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
    void rpcAndTheSocketWorkThroughTheBalancerAndAResumedSocketReplays() {
        Browser browser = browser();
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
    void aSocketFindsItsPagesProcessWhenStickinessIsLost() {
        Map<String, Browser> browsers = oneBrowserPerProcess();
        Map<String, List<String>> pages = new TreeMap<>();
        browsers.forEach((process, browser) -> pages.put(process, List.of(browser.benchPage(), browser.benchPage())));

        loseStickiness(browsers.values());
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
    void aDbeventPostedThroughTheBalancerReachesPagesOnBothProcesses() {
        Map<String, SocketClient> sockets = new TreeMap<>();
        oneBrowserPerProcess().forEach((process, browser) -> {
            SocketClient socket = browser.socket(browser.benchPage("orders"));
            socket.next("hello");
            sockets.put(process, socket);
            nats.awaitSubscription(nodes.get(process).natsName(), NatsSite.PREFIX + ".dbevent.orders", true);
        });

        ObjectNode dbevent = Json.object().put("table", "orders");
        dbevent.putArray("events").addObject().put("action", "I").put("pkey", 42);
        Browser app = browser();
        Reply accepted = app.send(HttpRequest.newBuilder(app.base().resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(dbevent))));
        assertEquals(202, accepted.status(), accepted.body());
        sockets.forEach((process, socket) ->
                assertEquals(42, socket.next("dbevent").get("events").get(0).get("pkey").asInt(), process));
    }

    /** A browser with a page on each process: new browsers go to the processes in turn. */
    Map<String, Browser> oneBrowserPerProcess() {
        Map<String, Browser> browsers = new TreeMap<>();
        for (int b = 0; b < 10 && browsers.size() < nodes.size(); b++) {
            Browser browser = browser();
            browsers.putIfAbsent(processOf(browser.benchPage()), browser);
        }
        assertEquals(nodes.keySet(), browsers.keySet());
        return browsers;
    }

    /** Whether the registry of {@code process} holds the page: the suffix is what balancers go by, this is the truth. */
    boolean residentIn(String process, String pageId) {
        return nodes.get(process).resident().registry().anyPage(pageId).isPresent();
    }

    static String processOf(String pageId) {
        return pageId.substring(pageId.lastIndexOf('|') + 1);
    }
}
