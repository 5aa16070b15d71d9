package dev.resident.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Chrome;
import dev.resident.support.DemoTab;
import dev.resident.support.Machine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/site deploy}, the blue/green switch, under load: a demo tab in headless Chromium
 * and a stream of rpc calls from the same tab keep going while new processes take over from the
 * old ones through HAProxy's runtime API; no reload, the page's data continues, and no call fails:
 * not even one in flight on a socket that the drain closes, which is answered before the close or
 * did not run and is sent again. A second browser bound to
 * an old process asks it something every 20 ms throughout: no request meets a closing process.
 * A new version that does not start is rolled back.
 */
@Tag("slow")
@Timeout(300)
class BlueGreenDeployTest {
    /** Runs in the demo tab: a second board page calling {@code update} every 50 ms, counting outcomes. */
    private static final String STREAM = """
            const done = arguments[arguments.length - 1];
            window.stream = { ok: 0, network: 0, other: [], running: true, ids: [] };
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/board', {});
              window.streamPage = page;
              done(page.id);
              for (let n = 0; window.stream.running; n++) {
                try {
                  await page.rpc('update', { id: 1001, qty: 1 + (n % 7) });
                  window.stream.ok++;
                  if (!window.stream.ids.includes(page.id)) window.stream.ids.push(page.id);
                } catch (error) {
                  if (error.code === 'network') window.stream.network++;
                  else window.stream.other.push(error.code + ': ' + error.message);
                }
                await new Promise(resolve => setTimeout(resolve, 50));
              }
            });
            """;
    private Path run;
    private Map<String, String> env;
    private URI site;

    @BeforeEach
    void startSite() throws Exception {
        run = Files.createTempDirectory("bluegreen-site");
        int base = freeRange(6);
        env = new HashMap<>();
        env.put("SITE_RUN", run.toString());
        env.put("SITE_PORT", Integer.toString(base));
        env.put("PROCESS_PORT_BASE", Integer.toString(base)); // p01 at base+1 ... p04 at base+4
        env.put("NATS_PORT", Integer.toString(Machine.freePort()));
        int natsMonitor = Machine.freePort();
        env.put("NATS_MONITOR_PORT", Integer.toString(natsMonitor));
        env.put("HAPROXY_CHECK_INTER", "200ms");
        String java = ProcessHandle.current().info().command().orElseThrow();
        env.put("SITE_RESIDENT_COMMAND", java + " -cp " + System.getProperty("java.class.path") + " dev.resident.Main");
        site = URI.create("http://127.0.0.1:" + base);
        Instant starting = Instant.now();
        assertEquals(0, site("start", "--processes", "2"), output());
        assertNatsStateIsItsOwn(natsMonitor, starting);
    }

    /**
     * Each site keeps its NATS store in its own run directory: one started in a fresh directory holds
     * no stream made before it (a store shared with an earlier site handed its state on; two sites
     * at once wrote one store and corrupted it, and every page was dropped at its first snapshot).
     */
    private static void assertNatsStateIsItsOwn(int natsMonitor, Instant starting) throws Exception {
        byte[] jsz;
        try (var in = URI.create("http://127.0.0.1:" + natsMonitor + "/jsz?streams=true").toURL().openStream()) {
            jsz = in.readAllBytes();
        }
        JsonNode streams = Json.parse(jsz).path("account_details").path(0).path("stream_detail");
        assertTrue(streams.size() > 0, "the site made its streams: " + streams);
        for (JsonNode stream : streams) {
            Instant created = Instant.parse(stream.path("created").asText());
            assertTrue(!created.isBefore(starting.minusSeconds(1)), stream.path("name").asText()
                    + " was made at " + created + ", before this site started at " + starting);
        }
    }

    @AfterEach
    void stopSite() throws Exception {
        site("stop");
    }

    @Test
    void aDeployUnderLoadReloadsNothingAndLosesNothing() throws Exception {
        try (Chrome chrome = Chrome.start()) {
            DemoTab tab = DemoTab.open(chrome, site, "alice");
            chrome.driver().executeScript("window.residentTestMarker = 'no reload'");
            String firstId = (String) chrome.driver().executeAsyncScript(STREAM);
            awaitCalls(chrome, 20);

            long okBefore = calls(chrome, "ok");
            long started = System.nanoTime();
            try (StickyRequests sticky = StickyRequests.start(site)) {
                assertEquals(0, site("deploy"), output());
                assertEquals(Map.of(), sticky.stop(), "requests bound to an old process that did not answer 200");
            }
            long deployMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            long okDuring = calls(chrome, "ok") - okBefore;
            String status = status();
            assertTrue(status.contains("p03: running") && status.contains("p04: running"), status);
            assertTrue(!status.contains("p01: running") && !status.contains("p02: running"), status);

            for (String old : List.of("p01", "p02")) {
                String log = Files.readString(run.resolve(old + ".log"), StandardCharsets.UTF_8);
                assertTrue(log.contains("every page and connection saved"), old + " drained:\n" + log);
                assertTrue(!log.contains("requests still came"), old + " stopped only once HAProxy had stopped "
                        + "sending it requests, so none met a closing socket:\n" + log);
            }

            long before = calls(chrome, "ok");
            awaitCalls(chrome, before + 20);
            chrome.driver().executeScript("window.stream.running = false");
            tab.awaitConnection("online");
            assertEquals("no reload", chrome.driver().executeScript("return window.residentTestMarker"));
            assertEquals(List.of(), chrome.driver().executeScript("return window.stream.other"), "no call failed");
            String lastId = (String) chrome.driver().executeScript("return window.streamPage.id");
            assertTrue(lastId.endsWith("|p03") || lastId.endsWith("|p04"), "the page moved to the new version: " + lastId);
            assertEquals(firstId.substring(0, 22), lastId.substring(0, 22), "the same page");
            long ok = calls(chrome, "ok");
            long network = calls(chrome, "network");
            long changes = ((Number) chrome.driver().executeScript("return window.streamPage.data.changes")).longValue();
            assertEquals(0, network, "no call was left in doubt: a closing socket answers what it ran");
            assertEquals(ok, changes, "the page's data continued: one change for each call");
            // recorded in docs/deploy.md
            System.out.printf("blue/green under load: deploy %d ms, %d calls completed during it, %d ok and %d network "
                    + "in all, %d changes, page %s -> %s%n", deployMillis, okDuring, ok, network, changes, firstId, lastId);
            tab.createOrder("After Deploy", "Gears", 1);
            tab.awaitOrder("After Deploy");
        }
    }

    @Test
    void aNewVersionThatDoesNotStartIsRolledBack() throws Exception {
        env.put("SITE_RESIDENT_COMMAND", "false");
        assertEquals(1, site("deploy"), output());
        assertTrue(output().contains("rolling back"), output());
        String status = status();
        assertTrue(status.contains("p01: running") && status.contains("p02: running"), status);
        assertTrue(!status.contains("p03: running"), status);
        assertEquals(200, new Browser(site).get("/observe/health/ready").status(),
                "the old version keeps serving");
    }

    /**
     * A browser logged in (so bound to the old process of its user), asking {@code /observe/health/live}
     * every 20 ms: a steady stream, unlike the page's calls, which back off while the page moves.
     */
    private static final class StickyRequests implements AutoCloseable {
        private final Map<String, Integer> failures = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        private StickyRequests(Browser browser) {
            this.thread = Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    String outcome;
                    try {
                        int status = browser.get("/observe/health/live").status();
                        outcome = status == 200 ? null : "status " + status;
                    } catch (RuntimeException e) {
                        outcome = e.toString();
                    }
                    if (outcome != null) {
                        failures.merge(outcome, 1, Integer::sum);
                    }
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the pace, not a wait for anything
                }
            });
        }

        static StickyRequests start(URI site) {
            Browser browser = new Browser(site);
            assertEquals(200, browser.login("bob", "bob").status());
            return new StickyRequests(browser);
        }

        /** Stops asking; what failed, by outcome. */
        Map<String, Integer> stop() throws InterruptedException {
            running.set(false);
            thread.join();
            return Map.copyOf(failures);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }

    private static void awaitCalls(Chrome chrome, long atLeast) {
        dev.resident.support.Eventually.await(Duration.ofSeconds(60), atLeast + " calls",
                () -> "stream " + chrome.driver().executeScript("const s = window.stream; return JSON.stringify("
                        + "{ ok: s.ok, network: s.network, failed: s.other.length, first: s.other.slice(0, 3), ids: s.ids })"),
                () -> calls(chrome, "ok") >= atLeast);
    }

    private static long calls(Chrome chrome, String outcome) {
        return ((Number) chrome.driver().executeScript("return window.stream." + outcome)).longValue();
    }

    private int site(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("deploy/site"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(run.resolve("deploy-site.out").toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("deploy/site " + String.join(" ", args) + " did not end: " + output());
        }
        return process.exitValue();
    }

    private String status() throws IOException, InterruptedException {
        Files.deleteIfExists(run.resolve("deploy-site.out"));
        site("status");
        return output();
    }

    private String output() throws IOException {
        Path out = run.resolve("deploy-site.out");
        return Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
    }

    /** A port whose next {@code count} ports are free as well. */
    private static int freeRange(int count) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            if (free(base, count)) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " free ports in a row");
    }

    private static boolean free(int base, int count) {
        for (int port = base; port <= base + count; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
