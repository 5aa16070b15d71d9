package dev.resident;

import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code page.compute} inside work already on the CPU pool (a helper that computes, called from a
 * computation) runs that work where it is: queued behind itself it would wait for a pool thread
 * that it holds, and with every thread so held the pool would serve nobody again.
 */
@ServerTest
@Timeout(60)
class NestedComputeTest {
    private static Resident resident;
    private final URI uri;

    NestedComputeTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(Map.of("resident.cpu-threads", "1"), new PageTypes().register(
                PageType.builder("/report", (Page page, dev.resident.page.Params params) -> page)
                        .method("nested", (page, params) -> page.compute(() -> page.compute(() -> 42)))
                        .method("flat", (page, params) -> page.compute(() -> 7))
                        .build()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aComputationInsideAComputationRunsAndThePoolGoesOn() throws Exception {
        Browser browser = new Browser(uri);
        String pageId = browser.openPage("/report", null).get("page_id").asText();
        Browser.Reply nested = CompletableFuture.supplyAsync(() -> browser.rpc(pageId, "nested"))
                .get(10, TimeUnit.SECONDS);
        assertEquals(42, nested.json().get("result").asInt(), nested.body());
        Browser other = new Browser(uri);
        String othersPage = other.openPage("/report", null).get("page_id").asText();
        Browser.Reply flat = CompletableFuture.supplyAsync(() -> other.rpc(othersPage, "flat")).get(10, TimeUnit.SECONDS);
        assertEquals(7, flat.json().get("result").asInt(), flat.body());
    }
}
