package dev.resident.bus.nats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Params;
import dev.resident.support.Browser;
import io.nats.client.Connection;
import io.nats.client.Nats;
import dev.resident.support.BenchTab;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.resident.support.NatsSite.PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NATS goes away and comes back: the site degrades to local delivery and then catches up, exactly once. */
@Timeout(60)
class NatsOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private NatsTestServer nats;
    private NatsSite site;

    @BeforeEach
    void start() {
        nats = new NatsTestServer();
        site = new NatsSite(nats, Map.of());
    }

    @AfterEach
    void stop() {
        site.close();
        nats.close();
    }

    @Test
    void eventsPublishedDuringAnOutageAreDeliveredOnceAfterIt() {
        Node a = site.start("p01");
        Node b = site.start("p02");
        BenchTab onA = BenchTab.open(a, "orders");
        BenchTab onB = BenchTab.open(b, "orders");
        Eventually.await(WAIT, "A and B ready", () -> a.ready() && b.ready());
        nats.awaitSubscription(b.natsName(), PREFIX + ".dbevent.orders", true);
        onA.publish("orders", 0);
        assertEquals(0, pkey(onB.socket.next("dbevent")));
        assertEquals(0, pkey(onA.socket.next("dbevent")));

        nats.stop();
        Eventually.await(WAIT, "A and B not ready", () -> !a.ready() && !b.ready());
        for (int pkey = 1; pkey <= 5; pkey++) {
            onA.publish("orders", pkey);
            assertEquals(pkey, pkey(onA.socket.next("dbevent")), "local pages are served during the outage");
        }

        nats.restart();
        Eventually.await(WAIT, "A and B ready again", () -> a.ready() && b.ready());
        for (int pkey = 1; pkey <= 5; pkey++) {
            assertEquals(pkey, pkey(onB.socket.next("dbevent")), "kept during the outage, in order");
        }
        onA.publish("orders", 6);
        assertEquals(6, pkey(onA.socket.next("dbevent")), "no duplicate on A");
        assertEquals(6, pkey(onB.socket.next("dbevent")), "no duplicate on B");
        assertTrue(a.counter("resident_bus_reconnects_total") >= 1);
        assertTrue(a.counter("resident_bus_disconnects_total") >= 1);
    }

    @Test
    void aServerStartsAndServesPagesWhileNatsIsDownThenJoins() {
        nats.stop();
        Node a = site.start("p01");
        BenchTab onA = BenchTab.open(a, "orders");
        onA.publish("orders", 1);
        assertEquals(1, pkey(onA.socket.next("dbevent")));
        assertFalse(a.ready());

        nats.restart();
        Eventually.await(WAIT, "A ready", a::ready);
        Node b = site.start("p02");
        BenchTab onB = BenchTab.open(b, "orders");
        Eventually.await(WAIT, "B ready", b::ready);
        nats.awaitSubscription(a.natsName(), PREFIX + ".dbevent.orders", true);
        onB.publish("orders", 2);
        assertEquals(2, pkey(onA.socket.next("dbevent")));
    }

    /**
     * NATS stands still for a few seconds without dropping the connection (a stalled VM, a server
     * in a long pause) while a process publishes a burst: the client's outgoing queue stays full,
     * a publish is refused with "Output queue is full", and the process buffers. No disconnect
     * means no reconnect event either: once NATS moves again the bus must flow again by itself,
     * not stay buffering (and the process unready) until some later outage ends.
     */
    @Test
    void aBusThatFilledUpWhileNatsStalledFlowsAgainOnceNatsMoves() {
        Node a = site.start("p01", new PageTypes().register(Flood.type()));
        Node b = site.start("p02");
        BenchTab onB = BenchTab.open(b, "orders");
        Eventually.await(WAIT, "A and B ready", () -> a.ready() && b.ready());
        nats.awaitSubscription(b.natsName(), PREFIX + ".dbevent.orders", true);
        Browser publisher = a.browser();
        String flood = publisher.openPage("/flood", null).get("page_id").asText();

        nats.pause();
        try {
            // past what the sockets hold and the client's outgoing queue (5,000 messages), on a table nobody watches
            Browser.Reply reply = publisher.rpc(flood, "publish", Json.object().put("count", 20_000), null);
            assertEquals(200, reply.status(), reply.toString());
        } finally {
            nats.resume();
        }
        Eventually.await(WAIT, "A ready again once NATS moves", a::ready);
        BenchTab.open(a).publish("orders", 1);
        assertEquals(1, pkey(onB.socket.next("dbevent")), "A's dbevents reach B again");
    }

    /**
     * A burst past what a process may hold waiting for delivery ({@code ipc.nats.pending}): NATS
     * drops the rest for that process (a slow consumer). Its pages watching the table must learn
     * that they missed changes ({@code {"action":"*"}}), not show stale rows without knowing it.
     */
    @Test
    void pagesOfAProcessThatNatsDroppedMessagesForAreToldToReload() throws Exception {
        site.start("p01");
        Node b = site.start("p02", new PageTypes(), Map.of("ipc.nats.pending.messages", "1"));
        BenchTab onB = BenchTab.open(b, "orders");
        nats.awaitSubscription(b.natsName(), PREFIX + ".dbevent.orders", true);
        int burst = 300;
        try (Connection raw = Nats.connect(nats.url())) {
            for (int pkey = 1; pkey <= burst; pkey++) {
                raw.publish(PREFIX + ".dbevent.orders", dbevent(pkey));
            }
            raw.flush(Duration.ofSeconds(5));
            Eventually.await(WAIT, "NATS dropped messages for B", () -> b.counter("resident_bus_slow_consumers_total") >= 1);

            List<JsonNode> received = new ArrayList<>();
            int marker = burst + 1;
            // the marker itself may meet a full queue: sent until it arrives
            Eventually.await(WAIT, "the marker reaches B's page", () -> {
                raw.publish(PREFIX + ".dbevent.orders", dbevent(marker));
                while (onB.socket.pending() > 0) {
                    JsonNode event = onB.socket.next();
                    if (event.path("t").asText().equals("dbevent")) {
                        received.add(event.get("events").get(0));
                        if (event.get("events").get(0).path("pkey").asInt() == marker) {
                            return true;
                        }
                    }
                }
                return false;
            });
            long rows = received.stream().filter(event -> event.path("pkey").asInt() <= burst).count();
            boolean reload = received.stream().anyMatch(event -> event.get("action").asText().equals("*"));
            assertTrue(rows == burst || reload, "B's page got " + rows + " of " + burst + " rows and no reload");
        }
    }

    private static byte[] dbevent(int pkey) {
        return ("{\"v\":1,\"process\":\"x\",\"table\":\"orders\",\"events\":[{\"action\":\"I\",\"pkey\":" + pkey + "}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A page whose method publishes a burst of dbevents, as a bulk import's page code would. */
    static final class Flood {
        private final Page page;

        private Flood(Page page) {
            this.page = page;
        }

        static PageType<Flood> type() {
            return PageType.builder("/flood", (page, params) -> new Flood(page)).method("publish", Flood::publish).build();
        }

        private Object publish(Params params) {
            long count = params.integer("count", 1);
            String filler = "x".repeat(1000);
            for (long pkey = 1; pkey <= count; pkey++) {
                ArrayNode events = Json.array();
                events.addObject().put("action", "I").put("pkey", pkey).putObject("record").put("filler", filler);
                page.publishDbEvent("flood", events);
            }
            return count;
        }
    }

    private static int pkey(JsonNode dbevent) {
        return dbevent.get("events").get(0).get("pkey").asInt();
    }
}
