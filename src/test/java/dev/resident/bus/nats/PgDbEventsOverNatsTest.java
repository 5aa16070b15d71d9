package dev.resident.bus.nats;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.support.BenchTab;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.PgTestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.resident.support.NatsSite.PREFIX;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two processes over NATS, both listening in PostgreSQL: every page gets each database change
 * exactly once, whichever process it lives in, and the change never travels over NATS.
 */
@Timeout(90)
class PgDbEventsOverNatsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static NatsTestServer nats;
    private static PgTestDatabase db;
    private static NatsSite site;
    private static Node a;
    private static Node b;

    @BeforeAll
    static void start() {
        nats = new NatsTestServer();
        db = PgTestDatabase.create();
        db.watchedTable("parts");
        site = new NatsSite(nats, Map.of("dbevents.pg.url", PgTestDatabase.URL, "dbevents.pg.channel", db.channel()));
        a = site.start("p01");
        b = site.start("p02");
        Eventually.await(WAIT, "both ready, NATS and PostgreSQL links up", () -> a.ready() && b.ready()
                && a.counter("resident_pg_link_up") == 1 && b.counter("resident_pg_link_up") == 1);
    }

    @AfterAll
    static void stop() {
        try (PgTestDatabase database = db; NatsTestServer server = nats) {
            site.close();
        }
    }

    @Test
    void eachPageGetsEachChangeOnceWhereverItLives() {
        BenchTab onA = BenchTab.open(a, "parts");
        BenchTab alsoOnA = BenchTab.open(a, "parts");
        BenchTab onB = BenchTab.open(b, "parts");
        nats.awaitSubscription(a.natsName(), PREFIX + ".dbevent.parts", true);
        nats.awaitSubscription(b.natsName(), PREFIX + ".dbevent.parts", true);

        db.execute("INSERT INTO parts VALUES (1, 'bolt')");
        db.execute("INSERT INTO parts VALUES (2, 'nut')");
        // NOTIFY reaches each process on its own LISTEN thread: once both have received both, a
        // dbevent over the bus from A follows; a second copy of 1 or 2 anywhere would be among the
        // first three events a tab gets
        Eventually.await(WAIT, "both processes received both notifications",
                () -> a.counter("resident_pg_notifications_total") == 2 && b.counter("resident_pg_notifications_total") == 2);
        onA.publish("parts", 3);
        for (BenchTab tab : List.of(onA, alsoOnA, onB)) {
            assertEquals(List.of(1, 2, 3), pkeys(tab, 3).stream().sorted().toList());
        }
        for (Node node : List.of(a, b)) {
            assertEquals(2, node.counter("resident_pg_notifications_total"), "each process received each NOTIFY");
        }
    }

    /** The pkeys of the next dbevents of a tab, {@code count} of them (one dbevent may carry several). */
    private static List<Integer> pkeys(BenchTab tab, int count) {
        List<Integer> pkeys = new ArrayList<>();
        while (pkeys.size() < count) {
            for (JsonNode event : tab.socket.next("dbevent").get("events")) {
                pkeys.add(event.get("pkey").asInt());
            }
        }
        return pkeys;
    }
}
