package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.DbEventHandler.RawEvent;
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
import java.net.http.HttpRequest;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each page's data is its own tree: a dbevent's record that every subscribed page's handler puts
 * into its data, as legacy pages kept the rows they were sent, is not one node shared by all of
 * them, so what one user's page then sets inside it stays in that page.
 */
@ServerTest
@Timeout(60)
class PageDataOwnTreesTest {
    private static Resident resident;
    private final URI uri;

    PageDataOwnTreesTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(Map.of(), new PageTypes().register(
                PageType.builder("/rows", (Page page, dev.resident.page.Params params) -> page)
                        .onDbEvent("rows", (page, event) -> {
                            for (JsonNode row : event.events()) {
                                page.data().set("rows." + row.get("pkey").asText(), row.get("record"));
                            }
                            return RawEvent.SUPPRESS;
                        })
                        .method("pick", (page, params) -> {
                            page.data().set("rows." + params.string("pkey") + ".picked", true);
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
    void whatOnePageSetsInsideAnEventsRecordStaysInThatPage() {
        Browser alice = new Browser(uri);
        JsonNode alicesOpen = alice.openPage("/rows", null);
        Browser bob = new Browser(uri);
        JsonNode bobsOpen = bob.openPage("/rows", null);
        assertEquals(202, alice.send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"table\":\"rows\",\"events\":[{\"action\":\"I\",\"pkey\":7,\"record\":{\"name\":\"gears\"}}]}"))).status());
        for (Browser browser : new Browser[] {alice, bob}) {
            JsonNode opened = browser == alice ? alicesOpen : bobsOpen;
            JsonNode polled = browser.get("/_/poll?page_id=" + opened.get("page_id").asText() + "&after="
                    + opened.get("seq").asLong() + "&wait=10").json();
            assertEquals("data", polled.get("messages").get(0).get("t").asText(), "the handler kept the row: " + polled);
        }

        assertEquals(200, alice.rpc(alicesOpen.get("page_id").asText(), "pick", Json.object().put("pkey", "7"), null).status());

        JsonNode bobsData = bob.get("/_/page?page_id=" + bobsOpen.get("page_id").asText()).json().get("data");
        assertEquals("gears", bobsData.get("rows").get("7").get("name").asText(), bobsData.toString());
        assertTrue(bobsData.get("rows").get("7").path("picked").isMissingNode(),
                "alice's pick is not in bob's page, which was never sent it: " + bobsData);
    }
}
