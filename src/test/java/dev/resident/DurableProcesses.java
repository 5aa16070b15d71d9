package dev.resident;

import dev.resident.support.Eventually;
import dev.resident.support.Observe;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What the {@code DurableState*Test} classes share: the environment they start the real {@code Main}
 * with in a child JVM, and the wait until a process has written its state.
 */
final class DurableProcesses {
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private DurableProcesses() {
    }

    /** Process {@code process} ("" for none) with bench and demo pages, an admin token and a state round every 100 ms. */
    static Map<String, String> env(String process) {
        Map<String, String> env = new HashMap<>();
        env.put("PROCESS_ID", process);
        env.put("BENCH_PAGES", "true");
        env.put("DEMO", "true");
        env.put("ADMIN_TOKEN", "durable-test-token");
        env.put("SNAPSHOT_INTERVAL", "100ms");
        return env;
    }

    /** Waits until the server has written every change (its metrics say nothing is pending). */
    static void awaitSaved(URI server) {
        Observe observe = new Observe(server);
        Eventually.await(PATIENCE, "the state written", () -> observe.metric("resident_state_pending") == 0
                && observe.metric("resident_state_writes_total") > 0);
    }
}
