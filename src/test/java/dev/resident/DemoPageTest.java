package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's page type {@code /board} over plain HTTP, and the static files that carry the demo. */
@Timeout(60)
class DemoPageTest extends DemoServerTest {
    DemoPageTest(URI uri) {
        super(uri);
    }

    @Test
    void staticFilesAreServed() {
        Browser browser = new Browser(uri);
        Reply index = browser.get("/");
        assertEquals(200, index.status());
        assertTrue(index.body().contains("/demo.js"), index.body());
        Reply client = browser.get("/_/resident.js");
        assertEquals(200, client.status());
        assertTrue(client.headers().get("content-type").get(0).contains("javascript"), client.headers().toString());
        assertTrue(client.body().contains("export async function openPage"));
        assertError(browser.get("/no-such-file.js"), 404, "not_found");
    }

    @Test
    void guestsCannotOpenTheBoard() {
        assertError(new Browser(uri).post("/_/pages", Json.object().put("path", "/board")), 401, "unauthorized");
    }

    @Test
    void aBoardLeftOpenAfterLogoutRefusesCalls() {
        Browser alice = loggedIn("alice");
        String page = alice.openPage("/board", null).get("page_id").asText();
        assertEquals(204, alice.post("/_/logout", "").status());
        // her pages ended with her logout
        assertError(alice.rpc(page, "create", Json.object().put("customer", "Eve").put("item", "Keys").put("qty", 1),
                null), 404, "unknown_page");
        assertError(alice.rpc(page, "orders"), 404, "unknown_page");
    }

    @Test
    void boardOpensWithItsDataAndTheOrders() {
        Browser alice = loggedIn("alice");
        JsonNode page = alice.openPage("/board", null);
        assertEquals("alice", page.get("data").get("user").asText());
        assertEquals(0, page.get("data").get("changes").asInt());
        JsonNode orders = alice.rpc(page.get("page_id").asText(), "orders").json().get("result");
        assertTrue(orders.size() >= 8, orders.toString());
        assertTrue(orders.get(0).get("id").asLong() > orders.get(1).get("id").asLong(), "newest first");
    }

    @Test
    void changesReachOtherUsersBoardsAsDbevents() {
        Browser alice = loggedIn("alice");
        String alicePage = alice.openPage("/board", null).get("page_id").asText();
        Browser bob = loggedIn("bob");
        String bobPage = bob.openPage("/board", null).get("page_id").asText();

        JsonNode created = alice.rpc(alicePage, "create",
                Json.object().put("customer", "Ada").put("item", "Gears").put("qty", 2), 0L).json();
        long id = created.get("result").get("id").asLong();
        assertEquals("changes", created.get("messages").get(1).get("changes").get(0).get("path").asText());
        JsonNode updated = bob.rpc(bobPage, "update", Json.object().put("id", id).put("status", "paid"), null)
                .json().get("result");
        assertEquals(2, updated.get("version").asInt());

        JsonNode seen = bob.get("/_/poll?after=0&wait=5&page_id=" + bobPage).json().get("messages");
        assertEquals("I", seen.get(0).get("events").get(0).get("action").asText());
        assertEquals("alice", seen.get(0).get("events").get(0).get("record").get("by").asText());
        assertEquals("paid", seen.get(1).get("events").get(0).get("record").get("status").asText());
    }

    @Test
    void noticesGoToEveryPageOfTheUser() {
        Browser bob = loggedIn("bob");
        String first = bob.openPage("/board", null).get("page_id").asText();
        String second = bob.openPage("/board", null).get("page_id").asText();
        Browser carol = loggedIn("carol");
        String carolPage = carol.openPage("/board", null).get("page_id").asText();

        carol.rpc(carolPage, "notify", Json.object().put("to", "bob").put("text", "hi"), null);
        for (String page : new String[] {first, second}) {
            JsonNode notice = bob.get("/_/poll?after=0&wait=5&page_id=" + page).json().get("messages").get(0);
            assertEquals("notify", notice.get("t").asText());
            assertEquals("carol", notice.get("from").asText());
            assertEquals("hi", notice.get("payload").get("text").asText());
        }
        JsonNode online = carol.rpc(carolPage, "online").json().get("result");
        assertTrue(online.get("users").toString().contains("\"bob\""), online.toString());
        assertTrue(online.get("pages").asInt() >= 3, online.toString());
    }

    /**
     * The orders table is one value of the global store, bounded in bytes: orders as long as allowed
     * and full of characters JSON escapes make the oldest go, and never stop another user's create.
     */
    @Test
    void onesLargeOrdersNeverStopAnotherUsersCreates() {
        Browser bob = loggedIn("bob");
        String bobPage = bob.openPage("/board", null).get("page_id").asText();
        for (int i = 0; i < 180; i++) {
            Reply created = bob.rpc(bobPage, "create", Json.object().put("customer", "\"".repeat(80))
                    .put("item", "\\".repeat(80)).put("qty", 999), null);
            assertEquals(200, created.status(), "order " + i + ": " + created.body());
        }
        Browser alice = loggedIn("alice");
        String alicePage = alice.openPage("/board", null).get("page_id").asText();
        Reply created = alice.rpc(alicePage, "create",
                Json.object().put("customer", "Acme").put("item", "x").put("qty", 1), null);
        assertEquals(200, created.status(), created.body());
        JsonNode orders = alice.rpc(alicePage, "orders").json().get("result");
        assertEquals(created.json().get("result").get("id").asLong(), orders.get(0).get("id").asLong());
        assertTrue(orders.size() < 180, "the oldest orders went: " + orders.size());
    }

    @Test
    void badParamsAreRefusedWith422() {
        Browser alice = loggedIn("alice");
        String page = alice.openPage("/board", null).get("page_id").asText();
        assertError(alice.rpc(page, "create", Json.object().put("customer", " ").put("item", "x"), null), 422, "unprocessable");
        assertError(alice.rpc(page, "create", Json.object().put("customer", "a").put("item", "x").put("qty", 0), null),
                422, "unprocessable");
        assertError(alice.rpc(page, "update", Json.object().put("id", 1001).put("status", "lost"), null), 422, "unprocessable");
        assertError(alice.rpc(page, "update", Json.object().put("id", 99999).put("status", "paid"), null), 422, "unprocessable");
        assertError(alice.rpc(page, "update", Json.object().put("id", 1001), null), 422, "unprocessable");
        assertError(alice.rpc(page, "notify", Json.object().put("to", "bob").put("text", "x".repeat(501)), null),
                422, "unprocessable");
    }

    private Browser loggedIn(String user) {
        Browser browser = new Browser(uri);
        assertEquals(200, browser.login(user, user).status());
        return browser;
    }
}
