package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP half of PROTOCOL.md: pages, rpc with {@code after}, close, errors. */
class ProtocolTest extends DefaultServerTest {
    ProtocolTest(URI uri) {
        super(uri);
    }

    @Test
    void openPageMintsConnectionAndReturnsInitialData() {
        Browser browser = new Browser(uri);
        JsonNode page = browser.openPage("/_bench", null);
        assertTrue(page.get("page_id").asText().matches("[A-Za-z0-9_-]{22}"), page.toString());
        assertEquals(0, page.get("seq").asLong());
        assertEquals(0, page.get("data").get("count").asInt());
        assertFalse(page.get("epoch").asText().isEmpty());
        String cid = browser.connectionId();
        assertTrue(cid.matches("[A-Za-z0-9_-]{22}"), cid);
        String guest = page.get("user").asText();
        assertTrue(guest.matches("guest_[A-Za-z0-9_-]{22}"), guest);
        assertFalse(guest.contains(cid), "a guest's public id is never its session id");
        String setCookie = new Browser(uri).post("/_/pages", "{\"path\":\"/_bench\"}").headers().get("set-cookie").get(0);
        assertTrue(setCookie.startsWith("rsd_cid="), setCookie);
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Lax"), setCookie);
        assertTrue(setCookie.contains("Path=/"), setCookie);
    }

    /** What the API answers is one session's: no cache, the browser's or a proxy's, may keep it. */
    @Test
    void apiAnswersAreNeverCached() {
        Browser browser = new Browser(uri);
        Reply opened = browser.post("/_/pages", "{\"path\":\"/_bench\"}");
        String page = opened.json().get("page_id").asText();
        String query = "?page_id=" + page.replace("|", "%7C");
        for (Reply reply : java.util.List.of(opened, browser.rpc(page, "inc"), browser.get("/_/page" + query),
                browser.get("/_/poll" + query + "&after=0&wait=0"), browser.rpc(page, "nope"))) {
            assertEquals(java.util.List.of("no-store"), reply.headers().get("cache-control"), reply.body());
        }
    }

    @Test
    void rpcReturnsResultSeqAndMessagesAfter() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        Reply first = browser.rpc(pageId, "inc", Json.object().put("by", 5), null);
        assertEquals(200, first.status(), first.body());
        assertEquals(5, first.json().get("result").asLong());
        assertEquals(1, first.json().get("seq").asLong());
        assertEquals(0, first.json().get("messages").size());

        JsonNode second = browser.rpc(pageId, "inc", null, 0L).json();
        assertEquals(6, second.get("result").asLong());
        assertEquals(2, second.get("seq").asLong());
        JsonNode messages = second.get("messages");
        assertEquals(2, messages.size());
        assertEquals("data", messages.get(0).get("t").asText());
        assertEquals(1, messages.get(0).get("seq").asLong());
        assertEquals("count", messages.get(1).get("changes").get(0).get("path").asText());
        assertEquals(6, messages.get(1).get("changes").get(0).get("value").asLong());
    }

    /**
     * The query's {@code epoch} (what resident.js sends with each call and poll): the page's own
     * gets its messages, another one a resync, its absence the messages; a poll needs {@code after}.
     */
    @Test
    void theQuerysEpochDecidesBetweenMessagesAndAResync() {
        Browser browser = new Browser(uri);
        JsonNode opened = browser.openPage("/_bench", null);
        String pageId = opened.get("page_id").asText();
        String epoch = opened.get("epoch").asText();
        String page = "?page_id=" + pageId.replace("|", "%7C");
        JsonNode call = Json.object().put("page_id", pageId).put("method", "inc").put("after", 0);

        JsonNode own = browser.post("/_/rpc" + page + "&epoch=" + epoch, call).json();
        assertFalse(own.path("resync").asBoolean(), own.toString());
        assertEquals(1, own.get("messages").size(), own.toString());

        Reply other = browser.post("/_/rpc" + page + "&epoch=not-" + epoch, call);
        assertEquals(200, other.status(), other.body());
        assertTrue(other.json().path("resync").asBoolean(), other.body());
        assertEquals(0, other.json().get("messages").size(), other.body());
        assertEquals(2, other.json().get("result").asLong(), "the call ran: " + other.body());

        assertEquals(3, browser.post("/_/rpc" + page, call).json().get("messages").size());
        JsonNode bare = browser.post("/_/rpc" + page + "&epoch", call).json(); // a name without '=' has no value
        assertFalse(bare.path("resync").asBoolean(), bare.toString());
        assertEquals(4, bare.get("messages").size(), bare.toString());

        assertTrue(browser.get("/_/poll" + page + "&after=0&wait=0&epoch=other").json().path("resync").asBoolean());
        assertEquals(4, browser.get("/_/poll" + page + "&after=0&wait=0&epoch=" + epoch).json()
                .get("messages").size());
        Reply bareWait = browser.get("/_/poll" + page + "&after=0&wait"); // the default wait: answered at once, messages wait
        assertEquals(200, bareWait.status(), bareWait.body());
        Reply noAfter = browser.get("/_/poll" + page + "&wait=0");
        assertEquals(400, noAfter.status(), noAfter.body());
        assertEquals(400, browser.get("/_/poll" + page + "&after=&wait=0").status());
        assertEquals(400, browser.get("/_/poll?after=0&wait=0").status(), "page_id is required");
    }

    @Test
    void snapshotGivesDataAndSeqTogether() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        browser.rpc(pageId, "inc", Json.object().put("by", 3), null);
        JsonNode snapshot = browser.get("/_/page?page_id=" + pageId).json();
        assertEquals(1, snapshot.get("seq").asLong());
        assertEquals(3, snapshot.get("data").get("count").asLong());
        assertEquals(pageId, snapshot.get("page_id").asText());
        assertEquals(404, new Browser(uri).get("/_/page?page_id=" + pageId).status());
    }

    @Test
    void aRefusedFirstRequestLeavesNoConnectionBehind() {
        int before = resident.registry().sessions().connections().size();
        Browser browser = new Browser(uri);
        assertError(browser.post("/_/pages", Json.object().put("path", "/nowhere")), 404, "unknown_page");
        assertError(browser.post("/_/pages", "{\"path\":\"/_bench\",\"params\":{\"tables\":5}}"), 422, "unprocessable");
        assertEquals(before, resident.registry().sessions().connections().size());
    }

    @Test
    void aGuestsSessionIdNeverReachesAnotherUser() {
        Browser alice = new Browser(uri);
        alice.login("alice", "alice");
        String alicePage = alice.benchPage();
        Browser guest = new Browser(uri);
        String guestPage = guest.benchPage();
        guest.rpc(guestPage, "notify", Json.object().put("user", "alice").put("topic", "hi"), null);
        JsonNode notice = alice.rpc(alicePage, "echo", null, 0L).json().get("messages").get(0);
        assertEquals("guest", notice.get("from").asText());
        assertFalse(notice.toString().contains(guest.connectionId()));
    }

    @Test
    void echoReturnsParams() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        JsonNode params = Json.object().put("a", 1).put("b", "x");
        assertEquals(params, browser.rpc(pageId, "echo", params, null).json().get("result"));
    }

    @Test
    void closeDropsThePage() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        assertEquals(204, browser.post("/_/close", Json.object().put("page_id", pageId)).status());
        Reply after = browser.rpc(pageId, "inc");
        assertEquals(404, after.status());
        assertEquals("unknown_page", after.errorCode());
    }

    @Test
    void closeAcceptsABeaconTextBody() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        Reply reply = browser.send(java.net.http.HttpRequest.newBuilder(uri.resolve("/_/close"))
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"page_id\":\"" + pageId + "\"}")));
        assertEquals(204, reply.status(), reply.body());
    }

    @Test
    void anotherConnectionCannotSeeThePage() {
        Browser owner = new Browser(uri);
        Browser stranger = new Browser(uri);
        String pageId = owner.benchPage();
        stranger.benchPage();
        Reply reply = stranger.rpc(pageId, "inc");
        assertEquals(404, reply.status());
        assertEquals("unknown_page", reply.errorCode());
        assertEquals(404, stranger.post("/_/close", Json.object().put("page_id", pageId)).status());
        assertEquals(404, stranger.get("/_/poll?after=0&wait=0&page_id=" + pageId).status());
        SocketClient socket = stranger.socket(pageId);
        assertEquals(4404, socket.closeCode());
        assertEquals(1, owner.rpc(pageId, "inc").json().get("result").asLong(), "the owner's page is untouched");
    }

    @Test
    void errorsAreJsonWithProtocolCodes() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        assertError(browser.post("/_/rpc", "{not json"), 400, "bad_request");
        assertError(browser.post("/_/rpc", "[1,2]"), 400, "bad_request");
        assertError(browser.post("/_/rpc", Json.object().put("method", "inc")), 400, "bad_request");
        assertError(browser.rpc(pageId, "nope"), 404, "unknown_method");
        assertError(browser.rpc("AAAAAAAAAAAAAAAAAAAAAA", "inc"), 404, "unknown_page");
        assertError(browser.rpc(pageId, "inc", Json.object().put("by", "x"), null), 422, "unprocessable");
        assertError(browser.rpc(pageId, "inc", Json.array(), null), 422, "unprocessable");
        assertError(browser.rpc(pageId, "work", Json.object().put("io_ms", 20000), null), 422, "unprocessable");
        assertError(browser.post("/_/rpc", Json.object().put("page_id", pageId).put("method", "inc").put("after", -1)),
                400, "bad_request");
        assertError(browser.post("/_/pages", Json.object().put("path", "/nowhere")), 404, "unknown_page");
        assertError(browser.post("/_/pages", Json.object()), 400, "bad_request");
        assertError(browser.login("alice", "wrong"), 401, "unauthorized");
        assertError(browser.post("/_/dbevent", Json.object().put("table", "t")), 401, "unauthorized");
        assertEquals(0, browser.rpc(pageId, "inc", Json.object().put("by", 0), null).json().get("result").asLong(),
                "the page survived all of that");
    }

    @Test
    void tooLargeBodyGets413() {
        Browser browser = new Browser(uri);
        String huge = "{\"path\":\"/_bench\",\"params\":{\"x\":\"" + "a".repeat(1 << 20) + "\"}}";
        assertError(browser.post("/_/pages", huge), 413, "too_large");
    }

    @Test
    void loginAndLogoutChangeTheUserAndTheSessionId() {
        Browser browser = new Browser(uri);
        JsonNode guestPage = browser.openPage("/_bench", null);
        String fixed = browser.connectionId();
        Reply login = browser.login("alice", "alice");
        assertEquals(200, login.status(), login.body());
        assertEquals("alice", login.json().get("user").asText());
        String loggedIn = browser.connectionId();
        assertNotEquals(fixed, loggedIn, "login issues a new session id");
        assertEquals("alice", browser.openPage("/_bench", null).get("user").asText());
        assertEquals(200, browser.rpc(guestPage.get("page_id").asText(), "inc", null, null).status(),
                "the pages opened before login follow the new session id");
        Browser attacker = new Browser(uri);
        attacker.useSession(fixed);
        // for a few seconds, "try again" (another tab's request may carry it), never the session
        assertError(attacker.rpc(guestPage.get("page_id").asText(), "inc", null, null), 503, "unavailable");
        assertEquals("alice", browser.openPage("/_bench", null).get("user").asText(), "the fixed id is worthless");
    }

    static void assertError(Reply reply, int status, String code) {
        assertEquals(status, reply.status(), reply.body());
        assertEquals(code, reply.errorCode(), reply.body());
        assertFalse(reply.body().contains("Exception"), reply.body());
        assertTrue(reply.headers().getOrDefault("content-type", java.util.List.of("")).get(0).startsWith("application/json"),
                reply.headers().toString());
    }
}
