package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Params;
import dev.resident.page.Store;
import dev.resident.support.Browser;
import dev.resident.support.SocketClient;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three stores page code has, through a page type and its calls: a user's store is shared by
 * that user's sessions, a connection's by its pages only, the global one by everyone; each is
 * bounded, and {@code putAll} writes all of its values or none.
 */
@ServerTest
@Timeout(60)
class StoresTest {
    private static final int MAX_STORE_BYTES = 256;
    private static Resident resident;
    private final URI uri;

    StoresTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(Map.of("resident.state.max-store-bytes", Integer.toString(MAX_STORE_BYTES)),
                new PageTypes().register(NotesPage.type()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    /** Page code that reads and writes the store a call names ({@code user}, {@code connection}, {@code global}). */
    static final class NotesPage {
        private final Page page;

        private NotesPage(Page page) {
            this.page = page;
        }

        static PageType<NotesPage> type() {
            return PageType.builder("/notes", (page, params) -> new NotesPage(page))
                    .method("put", (notes, params) -> {
                        notes.store(params).put(params.string("key"), params.value("value"));
                        return true;
                    })
                    .method("putAll", (notes, params) -> {
                        Map<String, Object> values = new LinkedHashMap<>();
                        params.value("values").properties().forEach(entry -> values.put(entry.getKey(), entry.getValue()));
                        notes.store(params).putAll(values);
                        return true;
                    })
                    .method("get", (notes, params) -> notes.store(params).get(params.string("key")).orElse(null))
                    .method("size", (notes, params) -> notes.store(params).size())
                    .build();
        }

        private Store store(Params params) {
            return switch (params.string("scope")) {
                case "user" -> page.userStore();
                case "connection" -> page.connectionStore();
                case "global" -> page.globalStore();
                default -> throw PageException.unprocessable("scope: user, connection or global");
            };
        }
    }

    /** A logged-in session with a notes page open. */
    record Session(Browser browser, String page) {
        static Session of(URI uri, String user) {
            Browser browser = new Browser(uri);
            assertEquals(200, browser.login(user, user).status());
            return new Session(browser, browser.openPage("/notes", null).get("page_id").asText());
        }

        Reply call(String method, ObjectNode params) {
            return browser.rpc(page, method, params, null);
        }

        void put(String scope, String key, String value) {
            assertEquals(200, call("put", Json.object().put("scope", scope).put("key", key).put("value", value)).status());
        }

        JsonNode get(String scope, String key) {
            Reply reply = call("get", Json.object().put("scope", scope).put("key", key));
            assertEquals(200, reply.status(), reply.body());
            return reply.json().get("result");
        }
    }

    @Test
    void eachStoreIsSharedByWhomItBelongsTo() {
        Session alice = Session.of(uri, "alice");
        Session aliceElsewhere = Session.of(uri, "alice");
        Session bob = Session.of(uri, "bob");
        alice.put("user", "theme", "dark");
        alice.put("connection", "draft", "half a letter");
        alice.put("global", "motd", "hello");

        assertEquals("dark", aliceElsewhere.get("user", "theme").asText(), "the user's other session sees it");
        assertTrue(aliceElsewhere.get("connection", "draft").isNull(), "another session does not");
        assertTrue(bob.get("user", "theme").isNull(), "another user does not");
        assertEquals("hello", bob.get("global", "motd").asText(), "everyone sees the global store");
        String secondPage = alice.browser().openPage("/notes", null).get("page_id").asText();
        Reply fromSecondPage = alice.browser().rpc(secondPage, "get",
                Json.object().put("scope", "connection").put("key", "draft"), null);
        assertEquals("half a letter", fromSecondPage.json().get("result").asText(), "the session's other page does");
    }

    /**
     * On a shared browser, what a user had open stays theirs: after her logout, or another user's
     * login with her session, her pages are gone and the session's store is empty. A guest who
     * logs in keeps both (the same person's).
     */
    @Test
    void aUsersPagesAndConnectionStoreDoNotPassToWhoeverHoldsTheSessionNext() {
        for (boolean logsOut : new boolean[] {true, false}) {
            Session alice = Session.of(uri, "alice");
            alice.put("connection", "draft", "half a letter");
            SocketClient socket = alice.browser().socket(alice.page());
            socket.next("hello");
            Reply next = logsOut ? alice.browser().post("/_/logout", "") : alice.browser().login("bob", "bob");
            assertEquals(logsOut ? 204 : 200, next.status(), next.body());
            assertEquals(4404, socket.closeCode(), "her page ended");
            assertEquals(404, alice.call("get", Json.object().put("scope", "connection").put("key", "draft")).status());
            String fresh = alice.browser().openPage("/notes", null).get("page_id").asText();
            Reply draft = alice.browser().rpc(fresh, "get", Json.object().put("scope", "connection").put("key", "draft"), null);
            assertTrue(draft.json().get("result").isNull(), "the session's store is empty: " + draft.body());
        }

        Browser guest = new Browser(uri);
        String page = guest.openPage("/notes", null).get("page_id").asText();
        assertEquals(200, guest.rpc(page, "put", Json.object().put("scope", "connection").put("key", "cart")
                .put("value", "two books"), null).status());
        assertEquals(200, guest.login("carol", "carol").status());
        Reply kept = guest.rpc(page, "get", Json.object().put("scope", "connection").put("key", "cart"), null);
        assertEquals("two books", kept.json().get("result").asText(), "a guest's page and store go with its login");
    }

    @Test
    void putAllWritesEveryValueOrNoneWithinTheBound() {
        Session carol = Session.of(uri, "carol");
        ObjectNode values = Json.object();
        values.putObject("values").put("a", 1).put("b", "two").putArray("c").add(3);
        assertEquals(200, carol.call("putAll", values.put("scope", "user")).status());
        assertEquals(3, carol.call("size", Json.object().put("scope", "user")).json().get("result").asInt());
        assertEquals("two", carol.get("user", "b").asText());
        assertEquals(3, carol.get("user", "c").get(0).asInt());

        ObjectNode tooMuch = Json.object().put("scope", "user");
        tooMuch.putObject("values").put("d", "small").put("e", "x".repeat(MAX_STORE_BYTES));
        Reply refused = carol.call("putAll", tooMuch);
        assertEquals(413, refused.status(), refused.body());
        assertEquals("too_large", refused.errorCode());
        assertTrue(carol.get("user", "d").isNull(), "nothing of a refused putAll is kept");
        assertEquals(3, carol.call("size", Json.object().put("scope", "user")).json().get("result").asInt());
    }
}
