package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.stream.StreamSupport;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin view's HTTP API: who may use it, what it shows, dropping a page and its socket. */
class AdminApiTest extends DefaultServerTest {

    AdminApiTest(URI uri) {
        super(uri);
    }

    @Test
    void guestsGet401() {
        Browser guest = new Browser(uri);
        guest.benchPage();
        assertError(guest.get("/_/admin"), 401, "unauthorized");
        assertError(guest.get("/_/admin/state"), 401, "unauthorized");
        assertError(delete(guest, "/_/admin/pages/" + guest.benchPage()), 401, "unauthorized");
        assertError(new Browser(uri).get("/_/admin/state"), 401, "unauthorized");
    }

    @Test
    void usersWithoutTheAdminRoleGet403() {
        Browser bob = loggedIn("bob");
        String pageId = bob.benchPage();
        assertError(bob.get("/_/admin"), 403, "forbidden");
        assertError(bob.get("/_/admin/state"), 403, "forbidden");
        assertError(delete(bob, "/_/admin/pages/" + pageId), 403, "forbidden");
        assertError(delete(bob, "/_/admin/pages/" + pageId + "/socket"), 403, "forbidden");
        assertEquals(200, bob.rpc(pageId, "inc").status(), "the page is untouched");
    }

    @Test
    void adminSeesUsersConnectionsAndPagesWithTheirSockets() {
        Browser bob = loggedIn("bob");
        String pageId = bob.benchPage("orders", "stock");
        SocketClient socket = bob.socket(pageId);
        socket.next("hello");
        Browser alice = loggedIn("alice");

        Reply view = alice.get("/_/admin");
        assertEquals(200, view.status());
        assertTrue(view.body().contains("/_/admin.js"), view.body());

        JsonNode state = alice.get("/_/admin/state").json();
        JsonNode page = row(state.get("pages"), "page_id", pageId);
        assertEquals("/_bench", page.get("path").asText());
        assertEquals("bob", page.get("user").asText());
        assertEquals("[\"orders\",\"stock\"]", page.get("tables").toString());
        assertEquals("open", page.get("socket").get("state").asText());
        assertEquals(0, page.get("socket").get("queued").asInt());
        assertTrue(page.get("age_s").asLong() >= 0);
        assertTrue(state.get("counts").get("sockets").asInt() >= 1);
        assertTrue(row(state.get("users"), "user", "bob").get("pages").asInt() >= 1);
        String guestCookie = new Browser(uri).openPage("/_bench", null).get("user").asText().substring("guest_".length());
        String shown = alice.get("/_/admin/state").json().toString();
        assertFalse(shown.contains(bob.connectionId()) || shown.contains(guestCookie), "session cookies never leave the server");
        String bobsConnection = page.get("connection").asText();
        JsonNode connectionRow = row(state.get("connections"), "id", bobsConnection);
        assertEquals("bob", connectionRow.get("user").asText(), "a connection row matches its pages' rows");
        assertFalse(shown.contains(bob.connectionId().substring(0, 6)), "no part of a session cookie is shown");
        socket.close();
    }

    @Test
    void adminDropsAPage() {
        Browser bob = loggedIn("bob");
        String pageId = bob.benchPage();
        SocketClient socket = bob.socket(pageId);
        socket.next("hello");
        Browser alice = loggedIn("alice");

        assertEquals(204, delete(alice, "/_/admin/pages/" + pageId).status());
        assertEquals(4404, socket.closeCode());
        assertError(bob.rpc(pageId, "inc"), 404, "unknown_page");
        assertError(delete(alice, "/_/admin/pages/" + pageId), 404, "unknown_page");
    }

    @Test
    void adminClosesASocketAndThePageResumesWithWhatWasSentMeanwhile() {
        Browser bob = loggedIn("bob");
        String pageId = bob.benchPage("orders");
        SocketClient socket = bob.socket(pageId, Map.of("after", "0"));
        socket.next("hello");
        Browser alice = loggedIn("alice");

        assertEquals(204, delete(alice, "/_/admin/pages/" + pageId + "/socket").status());
        assertEquals(1001, socket.closeCode());
        assertError(delete(alice, "/_/admin/pages/" + pageId + "/socket"), 404, "no_socket");
        String alicePage = alice.benchPage();
        alice.rpc(alicePage, "dbevent", Json.object().put("table", "orders")
                .set("events", Json.array().add(Json.object().put("action", "I").put("pkey", 7))), null);

        SocketClient again = bob.socket(pageId, Map.of("after", "0"));
        assertEquals(1, again.next("hello").get("seq").asLong(), "the dbevent is the page's first message");
        assertEquals(7, again.next("dbevent").get("events").get(0).get("pkey").asInt());
        again.close();
    }

    @Test
    void aSingleProcessSiteListsItselfAndAnUnknownProcessCannotBeDrained() {
        Browser alice = loggedIn("alice");
        String pageId = alice.benchPage();
        JsonNode state = alice.get("/_/admin/state").json();
        JsonNode process = state.get("processes").get(0);
        assertEquals(1, state.get("processes").size());
        assertEquals("single", process.get("process").asText());
        assertEquals("up", process.get("status").asText());
        assertTrue(process.get("ready").asBoolean());
        assertEquals("connected", process.get("bus").asText());
        assertEquals(state.get("counts"), process.get("counts"));
        assertEquals("single", row(state.get("pages"), "page_id", pageId).get("process").asText());
        assertError(alice.send(HttpRequest.newBuilder(uri.resolve("/_/admin/processes/p09/drain"))
                .POST(HttpRequest.BodyPublishers.noBody())), 404, "unknown_process");
        assertError(new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/admin/processes/single/drain"))
                .POST(HttpRequest.BodyPublishers.noBody())), 401, "unauthorized");
    }

    private Browser loggedIn(String user) {
        Browser browser = new Browser(uri);
        assertEquals(200, browser.login(user, user).status());
        return browser;
    }

    private Reply delete(Browser browser, String path) {
        return browser.send(HttpRequest.newBuilder(uri.resolve(path)).DELETE());
    }

    private static JsonNode row(JsonNode rows, String field, String value) {
        return StreamSupport.stream(rows.spliterator(), false)
                .filter(row -> row.get(field).asText().equals(value))
                .findFirst().orElseThrow(() -> new AssertionError(value + " not in " + rows));
    }
}
