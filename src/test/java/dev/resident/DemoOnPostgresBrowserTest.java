package dev.resident;

import dev.resident.support.Chrome;
import dev.resident.support.DemoTab;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.PgDemo;
import dev.resident.support.PgTestDatabase;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo on PostgreSQL in headless Chromium: a change made over a separate JDBC connection, as
 * someone typing in psql would, shows at once in every open board; a board's own change reaches
 * the other browser through the database.
 */
@ServerTest
@Tag("slow")
@Timeout(120)
class DemoOnPostgresBrowserTest {
    private static PgTestDatabase db;
    private static PgDemo demo;
    private static String listener;
    private static Chrome aliceBrowser;
    private static Chrome bobBrowser;
    private final URI uri;

    DemoOnPostgresBrowserTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        db = PgTestDatabase.create();
        listener = db.schema() + "_listener";
        db.execute("CREATE ROLE " + listener + " LOGIN");
        demo = PgDemo.setup(server, db, "pgbrowser", Map.of(
                "dbevents.pg.url", "jdbc:postgresql://127.0.0.1:5432/test", "dbevents.pg.user", listener,
                "dbevents.pg.reconnect.wait", "50ms", "dbevents.pg.reconnect.max-wait", "200ms"));
    }

    @BeforeAll
    static void startBrowsers() {
        aliceBrowser = Chrome.start();
        bobBrowser = Chrome.start();
    }

    @AfterAll
    static void close() throws Exception {
        try (PgTestDatabase database = db; Chrome alice = aliceBrowser; Chrome bob = bobBrowser) {
            demo.close();
            db.execute("DROP ROLE " + listener);
        }
    }

    @Test
    void anUpdateTypedInPsqlShowsInEveryBoard() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
        DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");
        Observe observe = new Observe(uri);
        Eventually.await(Duration.ofSeconds(20), "link up", () -> observe.metric("resident_pg_link_up", "pgbrowser") == 1);

        db.execute("UPDATE orders SET status = 'cancelled' WHERE id = 1004");
        alice.awaitStatus(1004, "cancelled");
        bob.awaitStatus(1004, "cancelled");

        bob.createOrder("Radia Perlman", "Spanning tree", 4);
        long id = alice.awaitOrder("Radia Perlman");
        alice.setStatus(id, "paid");
        bob.awaitStatus(id, "paid");
        Eventually.await(Duration.ofSeconds(10), "the board's change is in the table",
                () -> "paid".equals(db.query("SELECT status FROM orders WHERE id = " + id)));
    }

    @Test
    void boardsCatchUpWithWhatChangedWhileTheLinkWasDown() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
        Observe observe = new Observe(uri);
        Eventually.await(Duration.ofSeconds(20), "link up", () -> observe.metric("resident_pg_link_up", "pgbrowser") == 1);
        db.execute("DELETE FROM orders WHERE id = 1006");
        Eventually.await(Duration.ofSeconds(10), "a deleted order leaves the board", () -> !alice.hasOrder("Barbara Liskov"));

        db.execute("ALTER ROLE " + listener + " NOLOGIN"); // the link cannot come back until LOGIN again
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + listener + "'");
        Eventually.await(Duration.ofSeconds(10), "link down", () -> observe.metric("resident_pg_link_up", "pgbrowser") == 0);
        db.execute("UPDATE orders SET status = 'delivered' WHERE id = 1005"); // nobody hears these two
        db.execute("DELETE FROM orders WHERE id = 1003");
        assertTrue(alice.hasOrder("Alan Turing"));
        db.execute("ALTER ROLE " + listener + " LOGIN");
        alice.awaitStatus(1005, "delivered"); // the * notice made the board reload
        assertFalse(alice.hasOrder("Alan Turing"), "the reload drops what the table no longer has");
    }
}
