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
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A drain hands each page it holds over one by one (released), but a page it no longer holds,
 * such as an idle guest's that gave way to a new page in a full process, stays in the store under
 * its process's name. A blue/green deploy's new process is younger than a lease, and a process
 * that young continues no page of a process whose lease it merely finds gone (it might be one back
 * a moment later from an outage). Before, such a page answered 503 for up to a lease after the
 * deploy; now the drained process's lease says it was given up, and the page is continued at once.
 */
@Tag("slow")
@Timeout(180)
class PagesADrainDidNotHandOverTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The site's subject prefix, and so its buckets' ({@code handover_processes}: the leases). */
    private static final String PREFIX = "handover";
    /**
     * Longer than p02 takes from its start to its first answer on a busy machine; p01 renews every
     * third of it, and gives its lease up only after a renewal showed no other process of its id.
     */
    private static final Duration LEASE = Duration.ofSeconds(12);

    @Test
    void aPageThatGaveWayBeforeTheDrainIsContinuedAtOnceByAYoungProcess(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(full(site(nats, "p01")), config(), dir)) {
            Browser guest = new Browser(p01.uri());
            String pageId = guest.benchPage();
            assertEquals(3, guest.incBench(pageId, 3));
            Observe p01Meters = new Observe(p01.uri());
            Eventually.await(PATIENCE, "the count of 3 saved", () -> p01Meters.metric("resident_state_pending") == 0);

            // p01 holds one page at most: another guest's page gets in once the first has been idle a second
            Browser another = new Browser(p01.uri());
            Reply[] opened = new Reply[1];
            Eventually.await(PATIENCE, "the idle guest's page gives way", () -> String.valueOf(opened[0]),
                    () -> (opened[0] = another.post("/_/pages", "{\"path\":\"/_bench\"}")).status() == 201);
            String releasedId = opened[0].json().get("page_id").asText();
            assertEquals(1, another.incBench(releasedId, 1));

            long firstRevision = nats.leaseRevision(PREFIX, "p01");
            Eventually.await(PATIENCE, "p01 renewed its lease over its own", () -> nats.leaseRevision(PREFIX, "p01") > firstRevision);

            long starting = System.nanoTime();
            try (MainProcess p02 = MainProcess.start(site(nats, "p02"), config(), dir.resolve("p02"))) {
                assertEquals(0, p01.stop(), p01.output()); // the drain, as a deploy's
                Browser guestOnP02 = new Browser(p02.uri());
                guestOnP02.useSession(guest.connectionId());
                Reply continued = guestOnP02.rpc(pageId, "inc", null, null);
                Assumptions.assumeTrue(System.nanoTime() - starting < LEASE.toNanos(),
                        "p02 took longer than a lease to start and answer: it may trust a lease found gone by now");
                assertEquals(200, continued.status(), "a page the drain did not hand over waits for the drained"
                        + " process's lease to run out: " + continued.body());
                assertEquals(4, continued.json().get("result").asInt(), continued.body());

                Browser anotherOnP02 = new Browser(p02.uri());
                anotherOnP02.useSession(another.connectionId());
                assertEquals(2, anotherOnP02.incBench(releasedId, 1), "the page the drain handed over");
                assertTrue(new Observe(p02.uri()).metric("resident_pages_adopted_total") >= 2);
            }
        }
    }

    /** A process that holds one page at most, whose idle guests' pages give way after a second. */
    private static Map<String, String> full(Map<String, String> env) {
        Map<String, String> full = new HashMap<>(env);
        full.put("MAX_PAGES", "1");
        full.put("GUESTS_GIVE_WAY_AFTER", "1s");
        return full;
    }

    private static Map<String, String> site(NatsTestServer nats, String process) {
        return Map.of(
                "PROCESS_ID", process,
                "BENCH_PAGES", "true",
                "SNAPSHOT_INTERVAL", "100ms",
                "SHUTDOWN_LINGER", "0s",
                "IPC_BACKEND", "nats",
                "NATS_URL", nats.url(),
                "NATS_PREFIX", PREFIX);
    }

    private static String config() {
        return """
                resident:
                  state:
                    lease: %dms
                """.formatted(LEASE.toMillis());
    }
}
