package dev.resident.deploy;

import dev.resident.support.Browser;
import dev.resident.support.Nginx;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The same two-process site behind the real nginx with {@code deploy/nginx.conf}. */
@Timeout(60)
class SiteBehindNginxTest {
    private static NatsTestServer nats;
    private static NatsSite site;
    private static Map<String, Node> nodes;
    private static Nginx nginx;

    @BeforeAll
    static void start() {
        nats = new NatsTestServer();
        site = new NatsSite(nats, Map.of());
        nodes = Map.of("p01", site.start("p01"), "p02", site.start("p02"));
        nginx = new Nginx(nodes);
    }

    @AfterAll
    static void stop() {
        // the reverse of start; a start that failed half way left the rest null
        if (nginx != null) {
            nginx.close();
        }
        if (site != null) {
            site.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void aBrowserKeepsLandingOnTheProcessThatMintedItsConnection() {
        Set<String> used = new HashSet<>();
        for (int b = 0; b < 4; b++) {
            Browser browser = nginx.browser();
            Set<String> processes = new HashSet<>();
            for (int p = 0; p < 3; p++) {
                String pageId = browser.benchPage();
                processes.add(processOf(pageId));
                assertTrue(nodes.get(processOf(pageId)).resident().registry().anyPage(pageId).isPresent());
            }
            assertEquals(1, processes.size(), "one browser, one process: " + processes);
            used.addAll(processes);
        }
        assertEquals(Set.of("p01", "p02"), used, "new browsers are spread over the processes");
    }

    @Test
    void aSocketFindsItsPagesProcessWithoutTheRouteCookie() {
        Map<String, Browser> browsers = new TreeMap<>();
        for (int b = 0; b < 10 && browsers.size() < 2; b++) {
            Browser browser = nginx.browser();
            browsers.putIfAbsent(processOf(browser.benchPage()), browser);
        }
        browsers.forEach((process, browser) -> {
            String first = browser.benchPage();
            String second = browser.benchPage();
            browser.dropCookie("rsd_route");
            // two sockets in a row: balancing alone would send one of them to the other process
            for (String pageId : new String[] {first, second}) {
                SocketClient socket = browser.socket(pageId);
                assertEquals(pageId, socket.next("hello").get("page_id").asText(), "reached " + process);
                socket.close();
            }
        });
        assertEquals(nodes.keySet(), browsers.keySet());
    }

    private static String processOf(String pageId) {
        return pageId.substring(pageId.lastIndexOf('|') + 1);
    }
}
