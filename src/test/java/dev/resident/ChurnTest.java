package dev.resident;

import dev.resident.registry.Registry;
import dev.resident.support.Browser;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many page lifetimes leave nothing behind in the registries. */
class ChurnTest extends DefaultServerTest {
    private static final int CLIENTS = 8;
    private static final int CYCLES = 10_000;
    ChurnTest(URI uri) {
        super(uri);
    }

    @Test
    void tenThousandCreateCloseCyclesLeaveTheRegistriesEmpty() throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            var runs = IntStream.range(0, CLIENTS).mapToObj(i -> clients.submit(() -> {
                Browser browser = new Browser(uri);
                for (int cycle = 0; cycle < CYCLES / CLIENTS; cycle++) {
                    String pageId = browser.benchPage("orders", "customers");
                    assertEquals(204, browser.post("/_/close", "{\"page_id\":\"" + pageId + "\"}").status());
                }
                return null;
            })).toList();
            for (Future<?> run : runs) {
                run.get();
            }
        }
        Registry registry = resident.registry();
        assertTrue(registry.pages().isEmpty(), registry.pages().size() + " pages left");
        assertTrue(registry.subscribers("orders").isEmpty());
        assertTrue(registry.subscribers("customers").isEmpty());
        assertEquals(CLIENTS, registry.connections().size());
        registry.connections().forEach(c -> assertTrue(c.pages().isEmpty()));
        assertEquals(CLIENTS, registry.users().size(), "one guest user per connection");
    }
}
