package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.page.DbEventHandler.RawEvent;
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
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a dbevent handler changes in a page's data is saved like what a call changes: a page
 * continued from its saved copy (here after the full process made room by evicting it) shows the
 * data its client saw, not the data from before the handler ran.
 */
@ServerTest
@Timeout(60)
class HandlerChangesSavedTest {
    private static Resident resident;
    private final URI uri;

    HandlerChangesSavedTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(TestServers.embeddedStore("handler-changes", TestServers.MAKES_ROOM),
                new PageTypes().register(PageType.builder("/watch", (Page page, dev.resident.page.Params params) -> {
                            page.data().set("seen", 0);
                            return page;
                        })
                        .onDbEvent("stock", (page, event) -> {
                            page.data().set("seen", page.data().get("seen").asInt() + 1);
                            return RawEvent.FORWARD;
                        })
                        .build()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aPageContinuedFromItsCopyHasWhatItsDbEventHandlerChanged() {
        Browser guest = new Browser(uri);
        JsonNode opened = guest.openPage("/watch", null);
        String pageId = opened.get("page_id").asText();
        Observe observe = new Observe(uri);
        awaitWritten(observe);
        assertEquals(202, guest.send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"table\":\"stock\",\"events\":[{\"action\":\"U\",\"pkey\":1}]}"))).status());
        JsonNode seen = guest.get("/_/poll?page_id=" + pageId + "&after=" + opened.get("seq").asLong() + "&wait=10").json();
        assertEquals("data", seen.get("messages").get(0).get("t").asText(), seen.toString());
        assertEquals(1, seen.get("messages").get(0).get("changes").get(0).get("value").asInt(), "the client saw seen=1");
        awaitWritten(observe);

        // two other guests fill the process: it makes room by evicting the idle page, its saved copy stays
        Browser other = new Browser(uri);
        other.openPage("/watch", null);
        other.openPage("/watch", null);
        assertEquals(2, resident.registry().pages().size());
        AtomicReference<JsonNode> continued = new AtomicReference<>();
        Eventually.await(Duration.ofSeconds(15), "the page continued from its copy", () -> {
            Browser.Reply reply = guest.get("/_/page?page_id=" + pageId);
            continued.set(reply.status() == 200 ? reply.json() : null);
            return reply.status() == 200;
        });
        assertEquals(1, continued.get().get("data").get("seen").asInt(),
                "the continued page has what its handler changed: " + continued.get());
    }

    private static void awaitWritten(Observe observe) {
        Eventually.await(Duration.ofSeconds(10), "nothing pending", () -> observe.metric("resident_state_pending") == 0);
    }
}
