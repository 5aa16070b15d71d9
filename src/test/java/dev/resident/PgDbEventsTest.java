package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resident.page.PageTypes;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Deadline;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.PgTestDatabase;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dbevents from PostgreSQL: a real trigger NOTIFYs, the server's LISTEN link delivers to pages over
 * real sockets, survives {@code pg_terminate_backend} and shrugs off bad notifications.
 */
@ServerTest
@Timeout(120)
class PgDbEventsTest {
    private static final String PROCESS = "pgtest";
    private static PgTestDatabase db;
    /** A second schema, whose tables notify on {@code db}'s channel. */
    private static PgTestDatabase elsewhere;
    private static Resident resident;
    private final URI uri;
    private final Observe observe;

    PgDbEventsTest(URI uri) {
        this.uri = uri;
        this.observe = new Observe(uri);
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        db = PgTestDatabase.create();
        elsewhere = PgTestDatabase.create(false);
        resident = TestServers.setup(server, Map.of(
                "resident.process", PROCESS,
                "dbevents.pg.url", PgTestDatabase.URL,
                "dbevents.pg.channel", db.channel(),
                "dbevents.pg.tables", "items,big,gone,marker,lost,users,lines,flood,bulk,twin,order_lines," + elsewhere.schema() + ".twin",
                "dbevents.pg.max-run-chars", "20000",
                "dbevents.pg.reconnect.wait", "50ms",
                "dbevents.pg.reconnect.max-wait", "500ms",
                "dbevents.pg.check-interval", "1s"));
    }

    @AfterAll
    static void close() {
        resident.close();
        elsewhere.close();
        db.close();
    }

    @BeforeEach
    void linkIsUp() {
        Eventually.await(Duration.ofSeconds(20), "the LISTEN link is up",
                () -> observe.metric("resident_pg_link_up", PROCESS) == 1 && observe.readyStatus() == 200);
    }

    @Test
    void rowChangesReachSubscribedPagesOverTheirSocket() {
        db.watchedTable("items");
        Browser browser = new Browser(uri);
        String page = browser.benchPage("items");
        String bystander = new Browser(uri).benchPage("other");
        SocketClient socket = browser.socket(page);
        socket.next("hello"); // attached: a change made before would be only in its page's history
        double before = observe.metric("resident_pg_notifications_total", PROCESS);

        db.execute("INSERT INTO items VALUES (1, 'one')");
        JsonNode inserted = socket.next("dbevent");
        assertEquals("items", inserted.get("table").asText());
        assertFalse(inserted.has("origin"), "a database change has no origin page: " + inserted);
        assertEquals(Json.parse("[{\"action\":\"I\",\"pkey\":1,\"record\":{\"id\":1,\"v\":\"one\"}}]"),
                inserted.get("events"));

        db.execute("BEGIN; UPDATE items SET v = 'uno' WHERE id = 1; DELETE FROM items WHERE id = 1; COMMIT");
        ArrayNode transaction = Json.array();
        while (transaction.size() < 2) { // usually one dbevent: a transaction's notifications arrive together
            transaction.addAll((ArrayNode) socket.next("dbevent").get("events"));
        }
        assertEquals(Json.parse("{\"action\":\"U\",\"pkey\":1,\"record\":{\"id\":1,\"v\":\"uno\"}}"),
                transaction.get(0));
        JsonNode deleted = transaction.get(1);
        assertEquals("D", deleted.get("action").asText());
        assertEquals(1, deleted.get("pkey").asInt());
        assertEquals(3, observe.metric("resident_pg_notifications_total", PROCESS) - before);
        assertEquals(0, resident.registry().anyPage(bystander).orElseThrow().seq(), "other tables' pages get nothing");
    }

    @Test
    void aPayloadOverPostgresLimitCarriesThePkeyOnly() {
        db.watchedTable("big");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("big"));
        socket.next("hello"); // attached: a change made before would be only in its page's history

        db.execute("INSERT INTO big VALUES (7, repeat('x', 9000))");
        JsonNode event = socket.next("dbevent").get("events").get(0);
        assertEquals(Json.parse("{\"action\":\"I\",\"pkey\":7}"), event, "no record beyond 8000 bytes");
        db.execute("UPDATE big SET v = 'small' WHERE id = 7");
        assertEquals("small", socket.next("dbevent").get("events").get(0).get("record").get("v").asText());
    }

    /**
     * One transaction's notifications come all together, however many: past {@code max-run-chars}
     * a table's run reaches its pages as one {@code {"action":"*"}} (they reload), so a bulk change,
     * or a role that can connect sending NOTIFYs, never makes the process hold every row at once.
     */
    @Test
    void aFloodOfNotificationsReachesPagesAsOneReload() {
        db.watchedTable("flood");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("flood"));
        socket.next("hello"); // attached: a change made before would be only in its page's history
        db.execute("SELECT count(pg_notify('" + db.channel() + "', format('{\"table\":\"flood\",\"action\":\"U\","
                + "\"pkey\":%s,\"record\":{\"x\":\"%s\"}}', g, repeat('a', 7900)))) FROM generate_series(1, 50) g");
        int rows = 0;
        while (true) {
            JsonNode events = socket.next("dbevent").get("events");
            if (events.size() == 1 && "*".equals(events.get(0).get("action").asText())) {
                break;
            }
            rows += events.size();
            assertTrue(rows < 50, "every row came: the run was never bounded");
        }
        db.execute("INSERT INTO flood VALUES (1, 'after')");
        assertEquals("after", socket.next("dbevent").get("events").get(0).get("record").get("v").asText());
    }

    /**
     * The driver of every listening process reads a transaction's notifications whole, before
     * Resident sees any: so one transaction's changes of a watched table send at most
     * {@code resident_dbevents.transaction_bytes} (256 K) of payloads, then one {@code {"action":"*"}}
     * and nothing more. Before, a bulk change sent every row (here 2,000 of 1 KB: 2 MB; a nightly
     * {@code UPDATE} of a wide table, gigabytes) into every listening process's heap at once.
     */
    @Test
    void aBulkChangeSendsItsRowsUpToTheTransactionsBudgetThenOneReload() throws Exception {
        db.watchedTable("bulk");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("bulk"));
        socket.next("hello"); // attached: a change made before would be only in its page's history
        try (Connection listener = DriverManager.getConnection(PgTestDatabase.URL)) {
            try (Statement listen = listener.createStatement()) {
                listen.execute("LISTEN " + db.channel());
            }
            db.execute("INSERT INTO bulk SELECT g, repeat('a', 1000) FROM generate_series(1, 2000) g");
            db.execute("INSERT INTO bulk VALUES (0, 'after')"); // the next transaction: the end of the bulk's

            long rowBytes = 0;
            int rows = 0;
            int reloads = 0;
            Deadline deadline = Deadline.after(Duration.ofSeconds(30));
            PGConnection pg = listener.unwrap(PGConnection.class);
            read:
            while (!deadline.passed()) {
                for (PGNotification notification : pg.getNotifications((int) Math.max(1, deadline.slice() / 1_000_000))) {
                    JsonNode payload = Json.parse(notification.getParameter());
                    if ("after".equals(payload.path("record").path("v").asText())) {
                        break read;
                    }
                    if ("*".equals(payload.get("action").asText())) {
                        reloads++;
                    } else {
                        assertEquals(0, reloads, "no row after the transaction's reload");
                        rows++;
                        rowBytes += notification.getParameter().length();
                    }
                }
            }
            assertEquals(1, reloads, "one reload for the rows past the budget (" + rows + " rows sent)");
            assertTrue(rows > 0 && rowBytes <= 262_144, rows + " rows, " + rowBytes + " bytes: within the budget");
        }
        // the page: the rows it got come with the reload (the change after may be folded into it,
        // read in the same batch), then it goes on with the next change
        socket.next(frame -> "dbevent".equals(frame.path("t").asText())
                && frame.path("events").findValuesAsText("action").contains("*"));
        db.execute("UPDATE bulk SET v = 'later' WHERE id = 0");
        socket.next(frame -> "dbevent".equals(frame.path("t").asText())
                && "later".equals(frame.path("events").path(0).path("record").path("v").asText()));
    }

    @Test
    void aTableWatchedWithoutRecordNeverSendsItsRows() {
        db.execute("CREATE TABLE users (name text PRIMARY KEY, password_hash text)");
        db.execute("SELECT resident_watch('users', '" + db.channel() + "', with_record => false)");
        db.execute("CREATE TABLE lines (invoice integer, line integer, v text, PRIMARY KEY (invoice, line))");
        db.execute("SELECT resident_watch('lines', '" + db.channel() + "')");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("users", "lines"));
        socket.next("hello"); // attached: a change made before would be only in its page's history

        db.execute("INSERT INTO users VALUES ('ada', 'secret-hash')");
        JsonNode event = socket.next("dbevent").get("events").get(0);
        assertEquals(Json.parse("{\"action\":\"I\",\"pkey\":\"ada\"}"), event);
        db.execute("INSERT INTO lines VALUES (7, 2, 'composite')");
        assertEquals(Json.parse("{\"invoice\":7,\"line\":2}"), socket.next("dbevent").get("events").get(0).get("pkey"),
                "a composite key is an object of its columns");
    }

    /**
     * Two tables of one name in two schemas: the trigger would send both as {@code twin}, and one
     * table's rows would reach the other's pages. {@code resident_watch} refuses the second (here
     * against a trigger of an earlier version, which still sends the bare name) until it is given
     * another name, which its pages subscribe to; a TRUNCATE sends that name too.
     */
    @Test
    void twoTablesOfOneNameNeverSendTheirChangesUnderOneName() {
        String other = elsewhere.schema() + ".twin";
        db.execute("CREATE TABLE twin (id integer PRIMARY KEY, v text)");
        db.execute("CREATE TRIGGER resident_dbevents AFTER INSERT OR UPDATE OR DELETE ON twin "
                + "FOR EACH ROW EXECUTE FUNCTION resident_dbevents_notify('" + db.channel() + "', 'record', 'id')");
        db.execute("CREATE TABLE " + other + " (id integer PRIMARY KEY, v text)");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> db.execute("SELECT resident_watch('" + other + "', '" + db.channel() + "')"));
        assertTrue(refused.getMessage().contains("already sends its changes as twin"), refused.getMessage());
        db.execute("SELECT resident_watch('" + other + "', '" + db.channel() + "', as_name => '" + other + "')");
        Browser browser = new Browser(uri);
        SocketClient mine = browser.socket(browser.benchPage("twin"));
        mine.next("hello"); // attached: a change made before would be only in its page's history
        SocketClient theirs = browser.socket(browser.benchPage(other));
        theirs.next("hello"); // attached: a change made before would be only in its page's history

        db.execute("INSERT INTO " + other + " VALUES (1, 'theirs')");
        db.execute("INSERT INTO twin VALUES (2, 'mine')");
        JsonNode their = theirs.next("dbevent");
        assertEquals(other, their.get("table").asText());
        assertEquals("theirs", their.get("events").get(0).get("record").get("v").asText());
        JsonNode my = mine.next("dbevent");
        assertEquals("twin", my.get("table").asText(), "the earlier version's trigger still sends the bare name");
        assertEquals("mine", my.get("events").get(0).get("record").get("v").asText(), "not the other table's row");
        db.execute("TRUNCATE " + other);
        JsonNode truncated = theirs.next("dbevent");
        assertEquals(other, truncated.get("table").asText());
        assertEquals(Json.parse("[{\"action\":\"*\"}]"), truncated.get("events"));
    }

    /**
     * A quoted table name that is no identifier (a hyphen, a space) is a name no dbevent can carry:
     * every change of the table would be dropped as a malformed notification while
     * {@code resident_watch} said it was watched. It refuses such a name until it is given one.
     */
    @Test
    void aTableNameNoDbEventCanCarryIsRefusedUntilItIsGivenOne() {
        db.execute("CREATE TABLE \"order-lines\" (id integer PRIMARY KEY, v text)");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> db.execute("SELECT resident_watch('\"order-lines\"', '" + db.channel() + "')"));
        assertTrue(refused.getMessage().contains("as_name"), refused.getMessage());
        db.execute("SELECT resident_watch('\"order-lines\"', '" + db.channel() + "', as_name => 'order_lines')");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("order_lines"));
        socket.next("hello"); // attached: a change made before would be only in its page's history

        db.execute("INSERT INTO \"order-lines\" VALUES (1, 'one')");
        JsonNode event = socket.next("dbevent");
        assertEquals("order_lines", event.get("table").asText());
        assertEquals(1, event.get("events").get(0).get("pkey").asInt());
    }

    @Test
    void unwatchStopsTheEvents() {
        db.watchedTable("gone");
        db.watchedTable("marker");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("gone", "marker"));
        socket.next("hello"); // attached: a change made before would be only in its page's history
        db.execute("INSERT INTO gone VALUES (1, 'seen')");
        assertEquals("gone", socket.next("dbevent").get("table").asText());

        db.execute("SELECT resident_unwatch('gone')");
        db.execute("INSERT INTO gone VALUES (2, 'unseen')");
        db.execute("INSERT INTO marker VALUES (1, 'after')");
        assertEquals("marker", socket.next("dbevent").get("table").asText(), "nothing came from gone in between");
    }

    @Test
    void aLostLinkReconnectsAndTellsWatchingPagesTheyMayHaveMissedChanges() {
        db.watchedTable("lost");
        Browser browser = new Browser(uri);
        String page = browser.benchPage("lost");
        SocketClient socket = browser.socket(page);
        socket.next("hello"); // attached: a change made before would be only in its page's history
        double reconnects = observe.metric("resident_pg_reconnects_total", PROCESS);

        assertEquals(1, db.terminateListeners());
        JsonNode notice = socket.next("dbevent");
        assertEquals("lost", notice.get("table").asText());
        assertEquals(Json.parse("[{\"action\":\"*\"}]"), notice.get("events"), "reload: changes may have been missed");
        // the notice goes out before the link says up (a page opened after that has missed nothing)
        Eventually.await(Duration.ofSeconds(20), "the link up again, counted",
                () -> observe.metric("resident_pg_link_up", PROCESS) == 1
                        && observe.metric("resident_pg_reconnects_total", PROCESS) > reconnects);
        assertEquals(1, observe.metric("resident_pg_reconnects_total", PROCESS) - reconnects);

        db.execute("INSERT INTO lost VALUES (1, 'after the reconnect')");
        assertEquals("I", socket.next("dbevent").get("events").get(0).get("action").asText());
    }

    @Test
    void malformedNotificationsAndUnknownTablesAreCountedNotDelivered() {
        db.watchedTable("secret");
        db.watchedTable("items2");
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage("items", "secret"));
        socket.next("hello"); // attached: a change made before would be only in its page's history
        double malformed = observe.metric("resident_pg_malformed_total", PROCESS);
        double unknown = observe.metric("resident_pg_unknown_tables_total", PROCESS);

        for (String payload : new String[]{"not json", "[1]", "{\"table\":\"items; drop\",\"action\":\"I\",\"pkey\":1}",
                "{\"table\":\"items\",\"action\":\"X\",\"pkey\":1}", "{\"table\":\"items\",\"action\":\"I\"}",
                "{\"table\":\"items\",\"action\":\"U\",\"pkey\":1,\"record\":[1]}",
                "{\"table\":\"" + "t".repeat(64) + "\",\"action\":\"I\",\"pkey\":1}"}) {
            db.execute("SELECT pg_notify('" + db.channel() + "', '" + payload.replace("'", "''") + "')");
        }
        db.execute("INSERT INTO secret VALUES (1, 'not in dbevents.pg.tables')");
        db.execute("SELECT pg_notify('" + db.channel() + "', '{\"table\":\"items\",\"action\":\"I\",\"pkey\":99}')");

        JsonNode delivered = socket.next("dbevent");
        assertEquals("items", delivered.get("table").asText());
        assertEquals(99, delivered.get("events").get(0).get("pkey").asInt(), "only the valid one arrives");
        assertEquals(7, observe.metric("resident_pg_malformed_total", PROCESS) - malformed);
        assertEquals(1, observe.metric("resident_pg_unknown_tables_total", PROCESS) - unknown);
        assertTrue(observe.readyStatus() == 200, "bad notifications do not take the server down");
    }

    @Test
    void readyIsDownWhileTheDatabaseCannotBeReached() {
        Resident unreachable = TestServers.resident(Map.of("resident.process", "pgdown",
                "dbevents.pg.url", "jdbc:postgresql://127.0.0.1:1/test", "dbevents.pg.reconnect.wait", "50ms"),
                new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(unreachable::setup).build().start();
        try {
            Observe down = new Observe(URI.create("http://127.0.0.1:" + server.port()));
            assertEquals(503, down.readyStatus());
            assertEquals(0, down.metric("resident_pg_link_up", "pgdown"));
            Browser browser = new Browser(URI.create("http://127.0.0.1:" + server.port()));
            assertEquals(200, browser.rpc(browser.benchPage("items"), "echo").status(), "pages are still served");
        } finally {
            server.stop();
            unreachable.close();
        }
    }

    @Test
    void changesMadeWhileTheLinkIsDownAreAnnouncedWithStar() {
        String role = db.schema() + "_listener";
        String channel = db.channel() + "_gap";
        db.execute("CREATE ROLE " + role + " LOGIN");
        db.execute("CREATE TABLE gap (id integer PRIMARY KEY, v text)");
        db.execute("SELECT resident_watch('gap', '" + channel + "')");
        Resident gapped = TestServers.resident(Map.of("resident.process", "pggap",
                "dbevents.pg.url", "jdbc:postgresql://127.0.0.1:5432/test", "dbevents.pg.user", role,
                "dbevents.pg.channel", channel, "dbevents.pg.reconnect.wait", "50ms",
                "dbevents.pg.reconnect.max-wait", "200ms"), new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(gapped::setup).build().start();
        URI gappedUri = URI.create("http://127.0.0.1:" + server.port());
        Observe gappedObserve = new Observe(gappedUri);
        try {
            Eventually.await(Duration.ofSeconds(20), "link up", () -> gappedObserve.metric("resident_pg_link_up", "pggap") == 1);
            Browser browser = new Browser(gappedUri); // opened after the first link's own gap notice
            SocketClient socket = browser.socket(browser.benchPage("gap"));
            socket.next("hello"); // attached: a change made before would be only in its page's history

            db.execute("ALTER ROLE " + role + " NOLOGIN"); // the link cannot come back until LOGIN again
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
            Eventually.await(Duration.ofSeconds(10), "link down and ready DOWN",
                    () -> gappedObserve.metric("resident_pg_link_up", "pggap") == 0 && gappedObserve.readyStatus() == 503);
            db.execute("INSERT INTO gap VALUES (1, 'nobody listens')");
            db.execute("ALTER ROLE " + role + " LOGIN");

            JsonNode notice = socket.next("dbevent");
            assertEquals(Json.parse("[{\"action\":\"*\"}]"), notice.get("events"), "the lost insert is announced: " + notice);
            Eventually.await(Duration.ofSeconds(10), "ready again", () -> gappedObserve.readyStatus() == 200);
            db.execute("INSERT INTO gap VALUES (2, 'heard')");
            assertEquals(2, socket.next("dbevent").get("events").get(0).get("pkey").asInt());
        } finally {
            server.stop();
            gapped.close();
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'");
            db.execute("DROP ROLE " + role);
        }
    }
}
