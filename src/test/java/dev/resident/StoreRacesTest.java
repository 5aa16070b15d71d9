package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code Store} writes at once. A value counted up by many callers, 16 on each of two processes of
 * a site: every {@code compute} applied exactly once (the values handed out are all different and
 * end at their number), and none failed. A store is one document written by a read and a
 * conditional write: before this process's writers waited for each other, they made each other's
 * writes fail until some gave up after 16 tries with 500 {@code store_unavailable}. And stores
 * changed inside each other's {@code compute} never leave two calls waiting for each other.
 */
@Timeout(120)
class StoreRacesTest {
    /** A longer run: {@code -Dresident.races.callers=64}. */
    private static final int CALLERS_PER_PROCESS = Integer.getInteger("resident.races.callers", 16);
    private static final int CALLS_EACH = 50;

    @Test
    void aValueCountedUpFromTwoProcessesAtOnceLosesNoStep() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, Map.of("resident.state.store", "nats"))) {
            List<NatsSite.Node> processes = List.of(site.start("p01", tally()), site.start("p02", tally()));
            Queue<Long> handedOut = new ConcurrentLinkedQueue<>();
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> runs = new ArrayList<>();
                for (NatsSite.Node process : processes) {
                    for (int i = 0; i < CALLERS_PER_PROCESS; i++) {
                        runs.add(callers.submit(() -> {
                            Browser browser = process.browser();
                            String page = browser.openPage("/tally", Json.object()).get("page_id").asText();
                            for (int call = 0; call < CALLS_EACH; call++) {
                                Reply reply = browser.rpc(page, "next", null, null);
                                if (reply.status() != 200) {
                                    failures.add(process.process() + ": " + reply.status() + " " + reply.body());
                                    continue;
                                }
                                handedOut.add(reply.json().get("result").asLong());
                            }
                            return null;
                        }));
                    }
                }
                for (Future<?> run : runs) {
                    run.get();
                }
            }
            assertEquals(List.of(), List.copyOf(failures));
            List<Long> values = handedOut.stream().sorted().toList();
            int calls = 2 * CALLERS_PER_PROCESS * CALLS_EACH;
            assertEquals(calls, values.stream().distinct().count(), "no step applied twice or lost");
            assertEquals(calls, values.get(values.size() - 1));
        }
    }

    /**
     * Two calls, each changing one store inside its {@code compute} function on another: the global
     * store inside the connection store's, and the other way round, both inside at once. Each
     * thread holds one document lock at most, so neither waits for the other's: both answer.
     */
    @Test
    void storesChangedInsideEachOthersComputeDoNotWaitForEachOther() throws Exception {
        CountDownLatch bothInside = new CountDownLatch(2);
        PageTypes types = new PageTypes().register(PageType.builder("/nested", (page, params) -> page)
                .method("globalThenMine", (page, params) -> page.globalStore().<Number>compute("g", (key, old) -> {
                    meet(bothInside);
                    page.connectionStore().put("from-global", true);
                    return 1;
                }))
                .method("mineThenGlobal", (page, params) -> page.connectionStore().<Number>compute("c", (key, old) -> {
                    meet(bothInside);
                    page.globalStore().put("from-mine", true);
                    return 1;
                }))
                .build());
        Resident resident = TestServers.resident(Map.of(), types);
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            Browser browser = new Browser(URI.create("http://localhost:" + server.port()));
            String first = browser.openPage("/nested", Json.object()).get("page_id").asText();
            String second = browser.openPage("/nested", Json.object()).get("page_id").asText();
            Future<Reply> a = calls.submit(() -> browser.rpc(first, "globalThenMine", null, null));
            Future<Reply> b = calls.submit(() -> browser.rpc(second, "mineThenGlobal", null, null));
            assertEquals(200, a.get(20, TimeUnit.SECONDS).status(), "no call waits for the other's lock");
            assertEquals(200, b.get(20, TimeUnit.SECONDS).status());
        } finally {
            server.stop();
            resident.close();
        }
    }

    /** Counts this side in and waits (once: a compute function may run again) until both are in. */
    private static void meet(CountDownLatch bothInside) {
        bothInside.countDown();
        try {
            bothInside.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A page whose {@code next} counts the site's global {@code tally} up by one and returns it. */
    private static PageTypes tally() {
        return new PageTypes().register(PageType.builder("/tally", (page, params) -> page)
                .method("next", (page, params) -> page.globalStore().<Number>compute("tally",
                        (key, old) -> old == null ? 1L : old.longValue() + 1))
                .build());
    }
}
