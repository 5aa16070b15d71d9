package dev.resident;

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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A value that would nest the page's data deeper than its saved copy can be read back is refused
 * when set (422): kept, it made the copy unreadable, and the page could not be continued after a
 * drain, a restart or an eviction (its client was told it was gone).
 */
@ServerTest
@Timeout(60)
class DeepPageDataTest {
    private static Resident resident;
    private final URI uri;

    DeepPageDataTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(TestServers.embeddedStore("deep-data", TestServers.MAKES_ROOM),
                new PageTypes().register(PageType.builder("/form", (Page page, dev.resident.page.Params params) -> page)
                        .method("draft", (page, params) -> {
                            page.data().set("drafts.d", params.value("d"));
                            return true;
                        })
                        .build()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void dataTooDeepForItsSavedCopyIsRefusedAndThePageGoesOn() {
        Browser guest = new Browser(uri);
        String pageId = guest.openPage("/form", null).get("page_id").asText();
        String deep = "[".repeat(62) + "]".repeat(62);
        Browser.Reply draft = guest.post("/_/rpc", "{\"page_id\":\"" + pageId + "\",\"method\":\"draft\",\"params\":{\"d\":" + deep + "}}");
        assertEquals(422, draft.status(), draft.body());
        Observe observe = new Observe(uri);
        Eventually.await(Duration.ofSeconds(10), "nothing pending", () -> observe.metric("resident_state_pending") == 0);

        // two other guests fill the process: it makes room by evicting the idle page, its saved copy stays
        Browser other = new Browser(uri);
        other.openPage("/form", null);
        other.openPage("/form", null);
        int[] status = new int[1];
        Eventually.await(Duration.ofSeconds(15), "the page continued from its copy", () -> {
            status[0] = guest.get("/_/page?page_id=" + pageId).status();
            return status[0] != 503;
        });
        assertEquals(200, status[0], "the page goes on from its copy");
    }
}
