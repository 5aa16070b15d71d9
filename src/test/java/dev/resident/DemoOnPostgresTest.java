package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.PgDemo;
import dev.resident.support.PgTestDatabase;
import dev.resident.support.SocketClient;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's board on a real PostgreSQL ({@code DEMO_DB}): the table is created and seeded, and a
 * change made over another JDBC connection (as in psql) or through a board reaches every open
 * board once, through the trigger.
 */
@ServerTest
@Timeout(120)
class DemoOnPostgresTest {
    private static PgTestDatabase db;
    private static PgDemo demo;
    private final URI uri;

    DemoOnPostgresTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        db = PgTestDatabase.create(false); // the demo installs the dbevents functions itself
        demo = PgDemo.setup(server, db, "pgdemo");
    }

    @AfterAll
    static void close() throws Exception {
        try (PgTestDatabase database = db) {
            demo.close();
        }
    }

    /**
     * The tests' changes reach the boards through the LISTEN link, which the server makes in the
     * background after it starts: a change committed before it is up is announced only as a gap.
     */
    @BeforeEach
    void linkUp() {
        Observe observe = new Observe(uri);
        Eventually.await(Duration.ofSeconds(20), "link up", () -> observe.metric("resident_pg_link_up", "pgdemo") == 1);
    }

    @Test
    void aChangeTypedInPsqlShowsInEveryBoardOnce() {
        Board alice = Board.open(uri, "alice");
        Board bob = Board.open(uri, "bob");
        JsonNode orders = alice.browser.rpc(alice.page, "orders").json().get("result");
        assertEquals(db.query("SELECT count(*) FROM orders"), Integer.toString(orders.size()), "seeded from orders.json");
        assertEquals(orders.get(0).get("id").asLong(), Long.parseLong(db.query("SELECT max(id) FROM orders")));

        db.execute("UPDATE orders SET status = 'cancelled' WHERE id = 1003");
        for (Board board : new Board[]{alice, bob}) {
            JsonNode event = board.socket.next("dbevent");
            assertEquals("orders", event.get("table").asText());
            assertFalse(event.has("origin"));
            JsonNode change = event.get("events").get(0);
            assertEquals("U", change.get("action").asText());
            assertEquals(1003, change.get("pkey").asLong());
            assertEquals("cancelled", change.get("record").get("status").asText());
            assertEquals(2, change.get("record").get("version").asLong(), "the table's trigger made it newer");
        }
    }

    /**
     * Orders as long and full of quotes as a user may write them, as many as the database takes,
     * cannot make everyone's export fail for a result too large: the CSV stops within its bound and
     * says so (a helper's finding).
     */
    @Test
    void anExportOfOrdersFullOfQuotesStopsWithinItsBoundAndSaysSo() {
        Board bob = Board.open(uri, "bob");
        for (int i = 0; i < 300; i++) {
            Browser.Reply created = bob.browser.rpc(bob.page, "create", Json.object().put("customer", "\"".repeat(80))
                    .put("item", "\"".repeat(80)).put("qty", 1), null);
            assertEquals(200, created.status(), created.body());
        }
        Browser.Reply started = bob.browser.rpc(bob.page, "export", Json.object().put("step_ms", 0), null);
        assertEquals(200, started.status(), started.body());
        String jobId = started.json().path("result").path("job_id").asText();
        List<JsonNode> messages = TaskLocalTest.jobMessages(bob.socket, jobId);
        JsonNode done = messages.get(messages.size() - 1);
        assertEquals("done", done.path("state").asText(), done.toString());
        JsonNode result = done.path("result");
        assertTrue(result.path("truncated").asBoolean(), "the CSV says it stopped");
        assertEquals(result.path("csv").asText().lines().count() - 1, result.path("rows").asLong());
        assertTrue(result.path("rows").asLong() < 300, result.path("rows").toString());
    }

    /** A NUL, which PostgreSQL cannot store, was a 500 with a logged stack for every call (a helper's finding). */
    @Test
    void controlCharactersInAnOrderAreRefusedBeforeTheDatabase() {
        Board alice = Board.open(uri, "alice");
        for (String customer : new String[]{"\u0000", "Ada\u0000", "a\u0007b"}) {
            ProtocolTest.assertError(alice.browser.rpc(alice.page, "create",
                    Json.object().put("customer", customer).put("item", "Gears").put("qty", 1), null), 422, "unprocessable");
        }
    }

    @Test
    void aBoardsChangeGoesThroughTheDatabaseOnly() {
        Board alice = Board.open(uri, "alice");
        Board carol = Board.open(uri, "carol");
        JsonNode created = alice.browser.rpc(alice.page, "create",
                Json.object().put("customer", "Ada").put("item", "Gears").put("qty", 2), null).json().get("result");
        long id = created.get("id").asLong();
        assertEquals("alice", db.query("SELECT \"by\" FROM orders WHERE id = " + id));
        db.execute("UPDATE orders SET qty = 3 WHERE id = " + id); // a marker after the board's change

        for (Board board : new Board[]{alice, carol}) {
            // the two notices come in one dbevent or in two, as they reach the listener
            java.util.List<JsonNode> events = new java.util.ArrayList<>();
            while (events.stream().noneMatch(event -> event.path("record").path("qty").asInt() == 3)) {
                JsonNode dbevent = board.next("dbevent", uri);
                assertFalse(dbevent.has("origin"), "sent by the trigger, not by page code");
                dbevent.get("events").forEach(events::add);
            }
            assertEquals(2, events.size(), "the insert, then the marker, each once (no second copy): " + events);
            assertEquals("I", events.get(0).get("action").asText());
            assertEquals(id, events.get(0).get("pkey").asLong());
        }
    }

    @Test
    void theLinkIsReported() {
        Observe observe = new Observe(uri);
        Eventually.await(Duration.ofSeconds(20), "link up", () -> observe.metric("resident_pg_link_up", "pgdemo") == 1);
        assertEquals(200, observe.readyStatus());
    }

    /** A logged-in user's board with its socket open. */
    private record Board(String user, Browser browser, String page, SocketClient socket) {
        static Board open(URI uri, String user) {
            Browser browser = new Browser(uri);
            assertEquals(200, browser.login(user, user).status());
            String page = browser.openPage("/board", null).get("page_id").asText();
            SocketClient socket = browser.socket(page);
            socket.next("hello");
            Observe observe = new Observe(uri);
            Eventually.await(Duration.ofSeconds(20), "link up", () -> observe.metric("resident_pg_link_up", "pgdemo") == 1);
            return new Board(user, browser, page, socket);
        }

        /** The next frame of type {@code t}; a failure also says what the LISTEN link received. */
        JsonNode next(String t, URI uri) {
            try {
                return socket.next(t);
            } catch (AssertionError e) {
                Observe observe = new Observe(uri);
                throw new AssertionError(user + "'s board: " + e.getMessage() + "; link up "
                        + observe.metric("resident_pg_link_up", "pgdemo") + ", notifications "
                        + observe.metric("resident_pg_notifications_total", "pgdemo") + ", dbevents received "
                        + observe.metric("resident_dbevents_received_total", "pgdemo") + ", delivered to pages "
                        + observe.metric("resident_dbevents_delivered_total", "pgdemo"), e);
            }
        }
    }
}
