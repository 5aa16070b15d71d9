package dev.resident.site;

import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.MainProcess;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Observe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A NATS outage of the whole site longer than the lease: every process's lease runs out while
 * each goes on serving its pages from memory. When NATS is back, the process that reconnects
 * first must not take over the pages of one that reconnects a little later, from the copies saved
 * before the outage: the calls answered during the outage would be lost, and for a while both
 * processes would run the page. Before, a request for p01's page that reached p02 (a sticky route
 * lost) in that moment was answered by p02 from the older copy, and p01 dropped the page at its
 * next write. Now a process back from the outage takes over no page of a process whose lease ran
 * out until its own lease has held a whole lease again.
 */
@Tag("slow")
@Timeout(180)
class OutagePastTheLeaseTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The site's subject prefix, and so its buckets' ({@code outage_processes}: the leases). */
    private static final String PREFIX = "outage";
    /** Long enough that p01, resumed, reconnects and renews well within p02's grace on a busy machine. */
    private static final Duration LEASE = Duration.ofSeconds(3);
    /** JetStream's expiry of the lease entries may trail their age a little. */
    private static final Duration PAST_THE_LEASE = LEASE.plusMillis(500);

    @Test
    void aProcessBackFirstTakesNoPageOverFromOneBackAMomentLater(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(site(nats, "p01"), config(), dir);
             MainProcess p02 = MainProcess.start(site(nats, "p02"), config(), dir)) {
            Browser onP01 = new Browser(p01.uri());
            assertEquals(200, onP01.login("alice", "alice").status());
            String pageId = onP01.benchPage();
            assertTrue(pageId.endsWith("|p01"), pageId);
            assertEquals(3, onP01.incBench(pageId, 3));
            Observe p01Meters = new Observe(p01.uri());
            Eventually.await(PATIENCE, "the count of 3 saved", () -> p01Meters.metric("resident_state_pending") == 0);

            nats.stop();
            long stopped = System.nanoTime();
            assertEquals(6, onP01.incBench(pageId, 3), "served from memory while NATS is away");
            // the outage itself outlasts every lease, each renewed last before the stop
            Eventually.await(PATIENCE, "an outage longer than the lease",
                    () -> System.nanoTime() - stopped > PAST_THE_LEASE.toNanos());

            p01.pause(); // p01 comes back a moment after p02 (its reconnect's backoff, a busy machine)
            nats.restart();
            Eventually.await(PATIENCE, "p02 back, its lease renewed", () -> nats.leaseHeld(PREFIX, "p02"));
            assertTrue(!nats.leaseHeld(PREFIX, "p01"), "p01's lease ran out in the outage");
            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(onP01.connectionId());
            Reply misrouted = onP02.rpc(pageId, "inc", null, null); // a sticky route lost
            assertEquals(503, misrouted.status(), "p02 continued p01's page from its copy saved before the outage,"
                    + " losing the calls p01 answered meanwhile: " + misrouted.body());
            assertEquals("unavailable", misrouted.errorCode(), misrouted.body());

            p01.resume();
            Eventually.await(PATIENCE, "p01 back, its lease renewed", () -> nats.leaseHeld(PREFIX, "p01"));
            assertEquals(7, onP01.incBench(pageId, 1), "every call p01 answered during the outage is kept");
            Reply stillMisrouted = onP02.rpc(pageId, "inc", null, null);
            assertEquals(503, stillMisrouted.status(), "p01 holds its lease and its page: " + stillMisrouted.body());
            assertEquals(8, onP01.incBench(pageId, 1), "the page is p01's alone");
            assertEquals(0, p01Meters.metric("resident_pages_lost_total"));
            assertEquals(0, new Observe(p02.uri()).metric("resident_pages_adopted_total"));

            // the wait holds off a process that renews, not one that is gone
            Eventually.await(PATIENCE, "the count of 8 saved", () -> p01Meters.metric("resident_state_pending") == 0);
            p01.kill();
            Reply[] continued = new Reply[1];
            Eventually.await(PATIENCE, "p02 continues the page once p01's lease ran out", () -> String.valueOf(continued[0]),
                    () -> (continued[0] = onP02.rpc(pageId, "inc", null, null)).status() == 200);
            assertEquals(9, continued[0].json().get("result").asInt(), continued[0].body());
        }
    }

    /** Longer than a process takes to start and answer on a busy machine. */
    private static final Duration STARTING_LEASE = Duration.ofSeconds(8);

    /**
     * A process just started is as one just back from an outage: it continues the page of a process
     * whose lease ran out (killed here) once its own lease has held a whole lease, not at once.
     */
    @Test
    void aProcessJustStartedContinuesADeadProcesssPageOnceItsOwnLeaseHasHeld(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js")) {
            Browser onP01;
            String pageId;
            try (MainProcess p01 = MainProcess.start(site(nats, "p01"), config(STARTING_LEASE), dir)) {
                onP01 = new Browser(p01.uri());
                assertEquals(200, onP01.login("alice", "alice").status());
                pageId = onP01.benchPage();
                assertEquals(3, onP01.incBench(pageId, 3));
                Observe p01Meters = new Observe(p01.uri());
                Eventually.await(PATIENCE, "the count of 3 saved", () -> p01Meters.metric("resident_state_pending") == 0);
                p01.kill();
            }
            Eventually.await(PATIENCE, "p01's lease ran out", () -> !nats.leaseHeld(PREFIX, "p01"));

            long starting = System.nanoTime();
            try (MainProcess p02 = MainProcess.start(site(nats, "p02"), config(STARTING_LEASE), dir.resolve("p02"))) {
                Browser onP02 = new Browser(p02.uri());
                onP02.useSession(onP01.connectionId());
                Reply early = onP02.rpc(pageId, "inc", null, null);
                Assumptions.assumeTrue(System.nanoTime() - starting < STARTING_LEASE.toNanos(),
                        "p02 took longer than a lease to start and answer: its lease may have held a lease already");
                assertEquals(503, early.status(), "continued by a process whose lease is younger than a lease: "
                        + early.body());
                Reply[] continued = new Reply[1];
                Eventually.await(PATIENCE, "p02 continues the page once its lease has held a lease",
                        () -> String.valueOf(continued[0]),
                        () -> (continued[0] = onP02.rpc(pageId, "inc", null, null)).status() == 200);
                assertEquals(4, continued[0].json().get("result").asInt(), continued[0].body());
            }
        }
    }

    private static Map<String, String> site(NatsTestServer nats, String process) {
        return Map.of(
                "PROCESS_ID", process,
                "BENCH_PAGES", "true",
                "DEMO", "true",
                "SNAPSHOT_INTERVAL", "100ms",
                "IPC_BACKEND", "nats",
                "NATS_URL", nats.url(),
                "NATS_PREFIX", PREFIX);
    }

    /** A short lease, and reconnects as fast as the other NATS tests'. */
    private static String config() {
        return config(LEASE);
    }

    private static String config(Duration lease) {
        return """
                resident:
                  state:
                    lease: %dms
                    request-timeout: 500ms
                ipc:
                  nats:
                    reconnect:
                      wait: 50ms
                      max-wait: 200ms
                      jitter: 50ms
                      grace: 1s
                """.formatted(lease.toMillis());
    }
}
