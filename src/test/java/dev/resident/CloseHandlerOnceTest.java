package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A page's close handler runs once, when the page ends: not when the page leaves this process to
 * be continued from its saved copy (a full process making room, a drain, another process taking
 * it over), where it goes on, with whatever its open hook took still taken.
 */
@ServerTest
@Timeout(60)
class CloseHandlerOnceTest {
    private static final Map<String, AtomicInteger> CLOSED = new ConcurrentHashMap<>();
    private static Resident resident;
    private final URI uri;

    CloseHandlerOnceTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(TestServers.embeddedStore("close-once", TestServers.MAKES_ROOM),
                new PageTypes().register(PageType.builder("/viewer", (Page page, dev.resident.page.Params params) -> page)
                        .onClose(page -> CLOSED.computeIfAbsent(page.id(), id -> new AtomicInteger()).incrementAndGet())
                        .build()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aPageEvictedToMakeRoomAndContinuedIsClosedOnce() {
        Browser guest = new Browser(uri);
        String pageId = guest.openPage("/viewer", null).get("page_id").asText();
        Observe observe = new Observe(uri);
        Eventually.await(Duration.ofSeconds(10), "the page saved", () -> observe.metric("resident_state_pending") == 0);

        // two other guests fill the process: it makes room by evicting the idle page, its saved copy stays
        Browser other = new Browser(uri);
        other.openPage("/viewer", null);
        other.openPage("/viewer", null);
        Eventually.await(Duration.ofSeconds(15), "the page continued from its copy",
                () -> guest.get("/_/page?page_id=" + pageId).status() == 200);
        assertEquals(0, closedTimes(pageId), "the page goes on: it was not closed");

        assertEquals(204, guest.post("/_/close", Json.object().put("page_id", pageId)).status());
        Eventually.await(Duration.ofSeconds(10), "the close handler ran", () -> closedTimes(pageId) > 0);
        assertEquals(1, closedTimes(pageId), "closed once");
    }

    private static int closedTimes(String pageId) {
        AtomicInteger times = CLOSED.get(pageId);
        return times == null ? 0 : times.get();
    }
}
