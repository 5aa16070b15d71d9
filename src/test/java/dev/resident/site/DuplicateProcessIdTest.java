package dev.resident.site;

import dev.resident.support.Browser;
import dev.resident.support.MainProcess;
import dev.resident.support.NatsTestServer;
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
 * Two processes of a site started with the same {@code PROCESS_ID} (a program copied in
 * supervisord.conf and not renamed) would both run the pages named {@code …|p09}: the later one
 * learns it from the lease that the first one renews, and stops, exit code 1; the first one goes on.
 */
@Tag("slow")
@Timeout(120)
class DuplicateProcessIdTest {

    @Test
    void theLaterOfTwoProcessesWithOneIdStops(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess first = MainProcess.start(site(nats), null, dir.resolve("first"))) {
            Browser onFirst = new Browser(first.uri());
            String pageId = onFirst.benchPage();
            assertEquals(1, onFirst.rpc(pageId, "inc", null, null).json().get("result").asInt());
            try (MainProcess second = MainProcess.start(site(nats), null, dir.resolve("second"))) {
                assertEquals(1, second.awaitExit(Duration.ofSeconds(60)), "the later one stops: " + second.output());
                assertTrue(second.output().contains("another process runs as process id p09"), second.output());
            }
            assertTrue(first.alive(), "the first one goes on");
            assertEquals(2, onFirst.rpc(pageId, "inc", null, null).json().get("result").asInt(), "its page too");
            assertEquals(200, onFirst.get("/observe/health/ready").status(), "and it is still ready");
        }
    }

    private static Map<String, String> site(NatsTestServer nats) {
        return Map.of(
                "PROCESS_ID", "p09",
                "BENCH_PAGES", "true",
                "IPC_BACKEND", "nats",
                "NATS_URL", nats.url(),
                "NATS_PREFIX", "duplicate");
    }
}
