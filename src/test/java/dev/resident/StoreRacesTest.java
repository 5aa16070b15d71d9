package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@code Store} value counted up by many callers at once, 16 on each of two processes of a site:
 * every {@code compute} applied exactly once (the values handed out are all different and end at
 * their number), and none failed. A store is one document written by a read and a conditional
 * write: before this process's writers waited for each other, they made each other's writes fail
 * until some gave up after 16 tries with 500 {@code store_unavailable}.
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

    /** A page whose {@code next} counts the site's global {@code tally} up by one and returns it. */
    private static PageTypes tally() {
        return new PageTypes().register(PageType.builder("/tally", (page, params) -> page)
                .method("next", (page, params) -> page.globalStore().<Number>compute("tally",
                        (key, old) -> old == null ? 1L : old.longValue() + 1))
                .build());
    }
}
