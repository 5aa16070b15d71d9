package dev.resident;

import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.Machine;
import dev.resident.support.MainProcess;
import dev.resident.support.Observe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A job waited for in {@code resident.js} whose process is killed: a single process keeps its jobs
 * in memory, so after the restart the server no longer knows it. The page continues, and the wait
 * rejects with {@code unknown_job} instead of waiting for an end that can never come.
 */
@Tag("slow")
@Timeout(120)
class JobAcrossRestartInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Opens a bench page, starts a long job and waits for it; the wait's outcome lands in {@code window.outcome}. */
    private static final String START_AND_WAIT = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              window.page = await openPage('/_bench', {});
              const { job_id: jobId } = await window.page.rpc('job', { steps: 600, step_ms: 100 });
              window.outcome = null;
              window.page.job(jobId).then(() => { window.outcome = 'done'; }, error => { window.outcome = error.code; });
              done(jobId);
            }).catch(error => done('failed: ' + error));
            """;

    @Test
    void aJobOfAKilledProcessEndsItsWaitWithUnknownJob(@TempDir Path dir) throws Exception {
        int port = Machine.freePort();
        Map<String, String> env = Map.of("PORT", Integer.toString(port), "BENCH_PAGES", "true",
                "STATE_DIR", dir.resolve("state").toString(), "SNAPSHOT_INTERVAL", "100ms");
        URI site = URI.create("http://127.0.0.1:" + port);
        try (Chrome chrome = Chrome.start()) {
            MainProcess first = MainProcess.start(env, null, dir);
            try {
                chrome.driver().get(site + "/_/resident.js");
                String jobId = (String) chrome.driver().executeAsyncScript(START_AND_WAIT);
                assertEquals(22, jobId.length(), jobId);
                Observe observe = new Observe(first.uri());
                Eventually.await(PATIENCE, "the page saved", () -> observe.metric("resident_state_pending") == 0
                        && observe.metric("resident_state_writes_total") > 0);
            } finally {
                first.kill();
            }
            try (MainProcess second = MainProcess.start(env, null, dir)) {
                Eventually.await(PATIENCE, "the wait for the job ended",
                        () -> chrome.driver().executeScript("return window.outcome") != null);
                assertEquals("unknown_job", chrome.driver().executeScript("return window.outcome"),
                        "the page continued on the new process, and the job it waited for is gone with the old one");
            }
        }
    }
}
