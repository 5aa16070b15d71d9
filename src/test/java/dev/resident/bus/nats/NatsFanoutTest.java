package dev.resident.bus.nats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.BenchTab;
import dev.resident.support.Browser;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Eventually;
import dev.resident.support.SocketClient;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static dev.resident.support.NatsSite.PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Resident processes, A and B, over one nats-server (with a user and password): dbevents,
 * notifications and broadcasts reach every page they address exactly once, wherever it lives.
 */
@Timeout(60)
class NatsFanoutTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String USER = "resident";
    private static final String PASSWORD = "s3cret";
    private static final String MALFORMED = "resident_bus_malformed_total";
    private static NatsTestServer nats;
    private static NatsSite site;
    private static Node a;
    private static Node b;

    @BeforeAll
    static void start() {
        nats = new NatsTestServer("--user", USER, "--pass", PASSWORD);
        site = new NatsSite(nats, Map.of("ipc.nats.user", USER, "ipc.nats.password", PASSWORD));
        a = site.start("p01");
        b = site.start("p02");
        Eventually.await(WAIT, "A and B ready", () -> a.ready() && b.ready());
        for (Node node : List.of(a, b)) {
            awaitSubscribed(node, PREFIX + ".user.*.notify", true);
            awaitSubscribed(node, PREFIX + ".system.broadcast", true);
        }
    }

    @AfterAll
    static void stop() {
        site.close();
        nats.close();
    }

    @Test
    void dbeventFromAReachesPagesOnBAndOnAExactlyOnce() {
        BenchTab onA = BenchTab.open(a, "orders");
        BenchTab onB = BenchTab.open(b, "orders");
        awaitSubscribed(a, PREFIX + ".dbevent.orders", true);
        awaitSubscribed(b, PREFIX + ".dbevent.orders", true);

        onA.publish("orders", 1);
        JsonNode first = onB.socket.next("dbevent");
        assertEquals(1, pkey(first));
        assertFalse(first.has("origin"), "another page's id stays with it: " + first);
        JsonNode own = onA.socket.next("dbevent");
        assertEquals(1, pkey(own));
        assertEquals(onA.pageId, own.get("origin").asText(), "the origin page is told, across the site too");
        // B answers, then A again: a duplicate of 1 anywhere would show up before the next event
        onB.publish("orders", 2);
        assertEquals(2, pkey(onA.socket.next("dbevent")));
        onA.publish("orders", 3);
        assertEquals(3, pkey(onA.socket.next("dbevent")));
        assertEquals(2, pkey(onB.socket.next("dbevent")));
        assertEquals(3, pkey(onB.socket.next("dbevent")));
    }

    @Test
    void oneNatsMessagePerBatchWhateverTheNumberOfPages() {
        List<BenchTab> onB = List.of(BenchTab.open(b, "stock"), BenchTab.open(b, "stock"), BenchTab.open(b, "stock"));
        awaitSubscribed(b, PREFIX + ".dbevent.stock", true);
        Browser publisher = a.browser();
        String pageId = publisher.benchPage();
        String subject = PREFIX + ".dbevent.stock";
        long toBBefore = deliveredOn(b, subject);

        ObjectNode params = Json.object().put("table", "stock");
        for (int pkey = 1; pkey <= 3; pkey++) {
            params.withArray("events").addObject().put("action", "U").put("pkey", pkey);
        }
        assertEquals(200, publisher.rpc(pageId, "dbevent", params, null).status());
        for (BenchTab tab : onB) {
            assertEquals(3, tab.socket.next("dbevent").get("events").size());
        }
        // counted on B's subscription to the table: the server's totals also count the processes'
        // other traffic (task queue pulls, their answers), which may fall in this window
        assertEquals(1, deliveredOn(b, subject) - toBBefore, "one NATS message for the batch, to B, for 3 pages");
    }

    @Test
    void eachProcessHasOneNatsConnectionForBusStateAndTasks() {
        List<String> names = new ArrayList<>();
        for (JsonNode connection : nats.monitor("/connz").get("connections")) {
            String name = connection.path("name").asText();
            if (name.startsWith("resident")) {
                names.add(name);
            }
        }
        names.sort(null);
        assertEquals(List.of(a.natsName(), b.natsName()), names);
    }

    @Test
    void tableNamesThatAreNotSubjectTokensAreEncoded() {
        String table = "public.order lines*>";
        String subject = PREFIX + ".dbevent.~" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(table.getBytes(StandardCharsets.UTF_8));
        BenchTab onA = BenchTab.open(a, table);
        BenchTab onB = BenchTab.open(b, table);
        awaitSubscribed(b, subject, true);

        onA.publish(table, 7);
        JsonNode event = onB.socket.next("dbevent");
        assertEquals(table, event.get("table").asText());
        assertEquals(7, pkey(event));
    }

    @Test
    void notifyReachesTheUsersPagesOnBothProcesses() {
        SocketClient aliceOnA = loggedInPage(a, "alice");
        SocketClient aliceOnB = loggedInPage(b, "alice");
        Browser bob = a.browser();
        assertEquals(200, bob.login("bob", "bob").status());
        String bobPage = bob.benchPage();

        for (int n = 1; n <= 2; n++) {
            ObjectNode params = Json.object().put("user", "alice").put("topic", "hello");
            params.putObject("payload").put("n", n);
            assertEquals(200, bob.rpc(bobPage, "notify", params, null).status());
            for (SocketClient socket : List.of(aliceOnA, aliceOnB)) {
                JsonNode notice = socket.next("notify");
                assertEquals("hello", notice.get("topic").asText());
                assertEquals(n, notice.get("payload").get("n").asInt(), "once each, in order");
                assertEquals("bob", notice.get("from").asText());
            }
        }
        JsonNode bobsMessages = bob.rpc(bobPage, "echo", null, 0L).json().get("messages");
        assertTrue(bobsMessages.isEmpty(), "bob's own page got nothing: " + bobsMessages);
    }

    @Test
    void broadcastReachesEveryPageOnEveryProcess() {
        List<BenchTab> tabs = List.of(BenchTab.open(a), BenchTab.open(a), BenchTab.open(b), BenchTab.open(b));
        ObjectNode params = Json.object().put("topic", "maintenance");
        params.putObject("payload").put("at", "22:00");
        assertEquals(202, a.admin("/_/broadcast", params));

        for (BenchTab tab : tabs) {
            JsonNode broadcast = tab.socket.next("broadcast");
            assertEquals("maintenance", broadcast.get("topic").asText());
            assertEquals("22:00", broadcast.get("payload").get("at").asText());
        }
    }

    @Test
    void closingTheLastPageOfATableStopsItsSubscription() {
        String subject = PREFIX + ".dbevent.inventory";
        BenchTab first = BenchTab.open(b, "inventory");
        BenchTab second = BenchTab.open(b, "inventory");
        awaitSubscribed(b, subject, true);

        first.close();
        BenchTab.open(a).publish("inventory", 1);
        assertEquals(1, pkey(second.socket.next("dbevent")), "still subscribed while a page watches");
        second.close();
        awaitSubscribed(b, subject, false);
    }

    @Test
    void malformedBusMessagesAreDroppedAndCountedAndDeliveryGoesOn() throws Exception {
        BenchTab onB = BenchTab.open(b, "ledger");
        awaitSubscribed(b, PREFIX + ".dbevent.ledger", true);
        double malformedOnA = a.counter(MALFORMED);
        double malformedOnB = b.counter(MALFORMED);

        try (Connection raw = rawConnection()) {
            raw.publish(PREFIX + ".dbevent.ledger", "not json".getBytes(StandardCharsets.UTF_8));
            raw.publish(PREFIX + ".dbevent.ledger", bytes("{'v':2,'process':'x','table':'ledger','events':[]}"));
            raw.publish(PREFIX + ".dbevent.ledger", bytes("{'v':1,'process':'x','table':'other','events':[]}"));
            raw.publish(PREFIX + ".system.broadcast", bytes("[1,2]"));
            raw.publish(PREFIX + ".user.alice.notify", bytes("{'v':1,'process':'x','user':'alice','topic':'t'}"));
            raw.flush(Duration.ofSeconds(5));
        }
        Eventually.await(WAIT, "B counted 5 malformed messages", () -> b.counter(MALFORMED) == malformedOnB + 5);
        Eventually.await(WAIT, "A counted the 2 it subscribes to", () -> a.counter(MALFORMED) == malformedOnA + 2);

        BenchTab.open(a).publish("ledger", 42);
        assertEquals(42, pkey(onB.socket.next("dbevent")), "the next delivery is the good one");
    }

    @Test
    void ownMessagesBroughtBackByNatsAreSkipped() throws Exception {
        BenchTab onA = BenchTab.open(a, "audit");
        BenchTab onB = BenchTab.open(b, "audit");
        awaitSubscribed(a, PREFIX + ".dbevent.audit", true);
        awaitSubscribed(b, PREFIX + ".dbevent.audit", true);

        try (Connection raw = rawConnection()) {
            raw.publish(PREFIX + ".dbevent.audit",
                    bytes("{'v':1,'process':'p02','table':'audit','events':[{'action':'I','pkey':1}]}"));
            raw.flush(Duration.ofSeconds(5));
        }
        assertEquals(1, pkey(onA.socket.next("dbevent")), "A takes it as B's");
        onA.publish("audit", 2);
        assertEquals(2, pkey(onA.socket.next("dbevent")));
        assertEquals(2, pkey(onB.socket.next("dbevent")), "B skipped it as its own");
    }

    /**
     * A batch that fits the request body limit (1 MiB) but whose bus message, with its envelope,
     * is past NATS's {@code max_payload} (1 MiB too): NATS refuses it, and B's pages must still
     * learn that their table changed, or they show stale rows without knowing it.
     */
    @Test
    void aDbEventTooLargeForNatsTellsPagesOnTheOtherProcessesToReload() {
        BenchTab onB = BenchTab.open(b, "bulk");
        awaitSubscribed(b, PREFIX + ".dbevent.bulk", true);
        long maxPayload = nats.monitor("/varz").get("max_payload").asLong();
        ObjectNode body = Json.object().put("table", "bulk");
        ObjectNode record = body.putArray("events").addObject().put("action", "U").put("pkey", 1).putObject("record");
        record.put("note", "");
        int empty = Json.write(body).length();
        // the body fits MAX_BODY (1 MiB), 8 bytes short; its envelope ({"v":1,"process":"p01",...) does not fit max_payload
        record.put("note", "x".repeat((int) (maxPayload - empty - 8)));
        assertEquals(202, a.admin("/_/dbevent", body));

        BenchTab.open(a).publish("bulk", 2);
        JsonNode first = onB.socket.next("dbevent");
        JsonNode event = first.get("events").get(0);
        assertTrue(event.get("action").asText().equals("*") || event.path("pkey").asInt() == 1,
                "B's page hears of the batch, as it or as a reload, before what came after it: " + event);
        assertEquals(2, pkey(onB.socket.next("dbevent")));
    }

    /**
     * A broadcast whose bus message is past NATS's {@code max_payload} has no stand-in that would
     * tell B's pages what they missed: it is refused whole, 413 {@code too_large}, and reaches no
     * page. Before, it was answered 202, reached A's pages and silently not B's; page code's
     * {@code Page.broadcast} gets the same 413 (as a {@code PageException}).
     */
    @Test
    void aBroadcastTooLargeForNatsIsRefusedRatherThanReachingOneProcessOnly() {
        BenchTab onA = BenchTab.open(a);
        BenchTab onB = BenchTab.open(b);
        long maxPayload = nats.monitor("/varz").get("max_payload").asLong();
        ObjectNode body = Json.object().put("topic", "big").put("payload", "");
        int empty = Json.write(body).length();
        body.put("payload", "x".repeat((int) (maxPayload - empty - 8))); // fits MAX_BODY, not with its envelope
        assertEquals(413, a.admin("/_/broadcast", body));
        ObjectNode params = Json.object().put("topic", "big").put("payload", "");
        // the call's body ({"page_id":…,"method":"notify","params":…}) fits MAX_BODY, 2 bytes short;
        // the notice's envelope (the process, the user's id, from) does not fit max_payload
        params.put("payload", "x".repeat((int) (maxPayload - Json.write(params).length() - 70)));
        Browser.Reply notice = onA.browser.rpc(onA.pageId, "notify", params, null);
        assertEquals(413, notice.status(), "page code's notice: " + notice.body());
        assertEquals("too_large", notice.errorCode());
        assertTrue(notice.body().contains("bus carries"), "refused by the bus, not as a body: " + notice.body());

        assertEquals(202, a.admin("/_/broadcast", Json.object().put("topic", "small")));
        assertEquals("small", onA.socket.next("broadcast").get("topic").asText(), "the big one reached no page here");
        assertEquals("small", onB.socket.next("broadcast").get("topic").asText(), "nor there");
    }

    private static SocketClient loggedInPage(Node node, String user) {
        Browser browser = node.browser();
        assertEquals(200, browser.login(user, user).status());
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        return socket;
    }

    private static Connection rawConnection() throws Exception {
        return Nats.connect(new Options.Builder().server(nats.url()).userInfo(USER, PASSWORD).build());
    }

    @Test
    void publishedCountsEachPublishOnceAndReceivedCountsEachProcess() {
        BenchTab onA = BenchTab.open(a, "stock");
        BenchTab onB = BenchTab.open(b, "stock");
        awaitSubscribed(a, PREFIX + ".dbevent.stock", true);
        awaitSubscribed(b, PREFIX + ".dbevent.stock", true);
        String published = "resident_dbevents_published_total";
        String received = "resident_dbevents_received_total";
        double publishedOnA = a.counter(published);
        double publishedOnB = b.counter(published);
        double receivedOnA = a.counter(received);
        double receivedOnB = b.counter(received);

        onA.publish("stock", 7);
        assertEquals(7, pkey(onA.socket.next("dbevent")));
        assertEquals(7, pkey(onB.socket.next("dbevent")));
        assertEquals(publishedOnA + 1, a.counter(published), "one publish on A");
        assertEquals(publishedOnB, b.counter(published), "B published nothing, it only received");
        assertEquals(receivedOnA + 1, a.counter(received));
        assertEquals(receivedOnB + 1, b.counter(received));
    }

    /** Messages the server delivered to {@code node}'s subscription to {@code subject}. */
    private static long deliveredOn(Node node, String subject) {
        for (JsonNode connection : nats.monitor("/connz?subs=detail").get("connections")) {
            if (connection.path("name").asText().equals(node.natsName())) {
                for (JsonNode subscription : connection.path("subscriptions_list_detail")) {
                    if (subscription.path("subject").asText().equals(subject)) {
                        return subscription.path("msgs").asLong();
                    }
                }
                throw new AssertionError(node.natsName() + " is not subscribed to " + subject);
            }
        }
        throw new AssertionError(node.natsName() + " is not connected");
    }

    private static void awaitSubscribed(Node node, String subject, boolean subscribed) {
        nats.awaitSubscription(node.natsName(), subject, subscribed);
    }

    private static int pkey(JsonNode dbevent) {
        return dbevent.get("events").get(0).get("pkey").asInt();
    }

    /** JSON written with single quotes, for legibility. */
    private static byte[] bytes(String json) {
        return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }
}
