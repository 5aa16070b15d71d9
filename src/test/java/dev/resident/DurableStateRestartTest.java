package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.MainProcess;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.resident.DurableProcesses.PATIENCE;
import static dev.resident.DurableProcesses.awaitSaved;
import static dev.resident.DurableProcesses.env;
import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State that outlives its process, with the real {@code Main} in a child JVM and its embedded
 * store: after a restart (a drain's or a kill -9's) a login, its stores and pages continue, and
 * only for the session and client they were whose; a drained process answers until requests stop.
 * (A kill at once: {@link DurableStateKillTest}; a site: {@link DurableStateOnASiteTest}.)
 */
@Tag("slow")
@Timeout(180)
class DurableStateRestartTest {
    @Test
    void singleProcessRestartKeepsLoginStoresAndPages(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        String cookie;
        String pageId;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(first.uri());
            assertEquals(200, browser.login("alice", "alice").status());
            cookie = browser.connectionId();
            pageId = browser.benchPage("orders");
            assertEquals(3, browser.incBench(pageId, 3));
            awaitSaved(first.uri());
            first.kill(); // kill -9: what was saved is all there is
        }
        // the store holds session ids: another user of the machine must not read them
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))));
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve("state").resolve("state.mv"))));
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(second.uri());
            browser.useSession(cookie);
            assertEquals(4, browser.incBench(pageId, 1), "the count continues after kill -9");
            JsonNode page = browser.get("/_/page?page_id=" + pageId).json();
            assertEquals("alice", page.get("user").asText(), "still logged in");
            assertEquals(4, page.get("data").get("count").asInt());
            SocketClient socket = browser.socket(pageId, Map.of("after", "3", "epoch", "old-epoch"));
            JsonNode hello = socket.next("hello");
            assertEquals(pageId, hello.get("page_id").asText());
            socket.next("resync"); // the messages it missed died with the process: reload the data, not the page
            socket.close();
            assertEquals(0, second.stop(), "a drain exits 0");
        }
        try (MainProcess third = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(third.uri());
            browser.useSession(cookie);
            assertEquals(5, browser.incBench(pageId, 1), "a drain loses nothing");
            assertEquals(204, browser.post("/_/close", Json.object().put("page_id", pageId)).status());
            assertEquals(0, third.stop());
        }
        try (MainProcess fourth = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(fourth.uri());
            browser.useSession(cookie);
            assertEquals(404, browser.rpc(pageId, "inc", null, null).status(), "a closed page is gone from the store");
            assertEquals("alice", browser.openPage("/_bench", null).get("user").asText());
        }
    }

    /**
     * A user's saved pages are hers alone: after a restart (so that they are saved copies, not live
     * pages that a logout ends), her logout or another user's login on her browser leaves them to
     * nobody; a guest's saved page still goes on into that guest's login.
     */
    @Test
    void aUsersSavedPagesDoNotPassToWhoeverHoldsTheSessionNext(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        String alicesCookie;
        String alicesPage;
        String bobsCookie;
        String bobsPage;
        String guestsCookie;
        String guestsPage;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Browser alice = new Browser(first.uri());
            assertEquals(200, alice.login("alice", "alice").status());
            alicesCookie = alice.connectionId();
            alicesPage = alice.benchPage("orders");
            assertEquals(2, alice.incBench(alicesPage, 2));
            Browser bob = new Browser(first.uri());
            assertEquals(200, bob.login("bob", "bob").status());
            bobsCookie = bob.connectionId();
            bobsPage = bob.benchPage("orders");
            Browser guest = new Browser(first.uri());
            guestsPage = guest.benchPage("orders");
            guestsCookie = guest.connectionId();
            assertEquals(1, guest.incBench(guestsPage, 1));
            awaitSaved(first.uri());
            first.kill();
        }
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            Browser guest = new Browser(second.uri());
            guest.useSession(guestsCookie);
            takeNewSession(guest, guest.login("alice", "alice"));
            assertEquals(2, guest.incBench(guestsPage, 1), "a guest's page goes on into its login");
            Browser afterLogout = new Browser(second.uri());
            afterLogout.useSession(alicesCookie);
            takeNewSession(afterLogout, afterLogout.post("/_/logout", "{}"));
            assertError(afterLogout.get("/_/page?page_id=" + alicesPage), 404, "unknown_page");
            assertEquals(404, afterLogout.rpc(alicesPage, "inc", null, null).status(), "the next holder, a guest");

            Browser carol = new Browser(second.uri());
            carol.useSession(bobsCookie);
            takeNewSession(carol, carol.login("carol", "carol"));
            assertError(carol.get("/_/page?page_id=" + bobsPage), 404, "unknown_page");

        }
    }

    /**
     * Keeps the session id a login or logout answered with in place of the one {@link Browser#useSession}
     * set (the cookie store would keep both, and send the old one first).
     */
    private static void takeNewSession(Browser browser, Reply answer) {
        assertTrue(answer.status() == 200 || answer.status() == 204, answer.body());
        String fresh = answer.headers().getOrDefault("set-cookie", List.of()).stream()
                .filter(cookie -> cookie.startsWith("rsd_cid="))
                .map(cookie -> cookie.substring("rsd_cid=".length(), cookie.indexOf(';')))
                .findFirst().orElseThrow(() -> new AssertionError("no new session id: " + answer.headers()));
        browser.dropCookie("rsd_cid");
        browser.useSession(fresh);
    }

    /**
     * A session id issued over HTTPS counts only as {@code __Host-rsd_cid} (HostCookieTest), and
     * still after a restart: the mark is kept with the session, or a planted {@code rsd_cid} would
     * name it again once the process that issued it is gone.
     */
    @Test
    void aSessionIdIssuedOverHttpsStaysBoundToTheHostCookieAfterARestart(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("TRUSTED_PROXIES", "127.0.0.1");
        String id;
        String pageId;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Reply opened = overHttps(first.uri(), "/_/pages", "{\"path\":\"/_bench\"}", null);
            assertEquals(201, opened.status(), opened.body());
            id = opened.headers().get("set-cookie").get(0).replaceFirst("^__Host-rsd_cid=([^;]*);.*$", "$1");
            pageId = opened.json().get("page_id").asText();
            awaitSaved(first.uri());
            first.kill();
        }
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            String call = "{\"page_id\":\"" + pageId + "\",\"method\":\"inc\"}";
            assertEquals(404, overHttps(second.uri(), "/_/rpc", call, "rsd_cid=" + id).status(),
                    "a planted rsd_cid names no session that was issued as __Host-rsd_cid");
            Reply own = overHttps(second.uri(), "/_/rpc", call, "__Host-rsd_cid=" + id);
            assertEquals(200, own.status(), own.body());
            assertEquals(1, own.json().get("result").asInt());
        }
    }

    private static Reply overHttps(URI server, String path, String json, String cookie) {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(server.resolve(path))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-Proto", "https") // from a trusted balancer (TRUSTED_PROXIES)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return new Browser(server).send(request);
    }

    /**
     * Pages continued after a restart count like pages opened: a guest's session keeps the client
     * address its pages count against, and a saved page takes a place when it comes back. Before,
     * each restart let a client's old pages come back uncounted beside a full share of new ones.
     */
    @Test
    void pagesContinuedAfterARestartTakePlacesInTheirClientsShare(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("ADDRESS_GUEST_PAGES", "3");
        String cookie;
        List<String> old = new ArrayList<>();
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Browser guest = new Browser(first.uri());
            for (int i = 0; i < 3; i++) {
                old.add(guest.benchPage());
            }
            assertEquals(429, guest.post("/_/pages", Json.object().put("path", "/_bench")).status());
            cookie = guest.connectionId();
            awaitSaved(first.uri());
            assertEquals(0, first.stop());
        }
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            Browser other = new Browser(second.uri()); // another guest of the same address, first in
            other.benchPage();
            other.benchPage();
            Browser guest = new Browser(second.uri());
            guest.useSession(cookie);
            assertEquals(200, guest.rpc(old.get(0), "inc", null, null).status(), "the share's third place");
            Reply refused = guest.rpc(old.get(1), "inc", null, null);
            assertEquals(429, refused.status(), refused.body());
            assertEquals("too_many_pages", refused.errorCode());
            assertEquals(429, guest.post("/_/pages", Json.object().put("path", "/_bench")).status(),
                    "nor a new one");
            assertEquals(204, guest.post("/_/close", Json.object().put("page_id", old.get(2))).status(),
                    "a page left behind can still be closed");
        }
    }

    @Test
    void aDrainedProcessAnswersUntilRequestsStopComingThenExits(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("p01");
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("SHUTDOWN_LINGER", "1h"); // it must end because the requests stopped, not by this
        try (MainProcess p01 = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(p01.uri());
            assertEquals(200, browser.login("bob", "bob").status());
            String pageId = browser.benchPage();
            assertEquals(1, browser.incBench(pageId, 1));
            p01.terminate();
            Eventually.await(PATIENCE, "ready shows every page released", () -> released(browser));
            // a proxy that still sends this browser here (HAProxy's option persist, until a deploy sets
            // the server to maint) gets answers the client tries again, never a connection closed on it
            for (int i = 0; i < 5; i++) {
                Reply reply = browser.rpc(pageId, "inc", null, null);
                assertEquals(503, reply.status(), reply.body());
                assertEquals("unavailable", reply.errorCode(), reply.body());
            }
            assertTrue(p01.alive(), "a released process keeps answering while requests come");
            assertEquals(0, p01.awaitExit(PATIENCE), "once they stop it exits, long before its linger of 1 h");
        }
    }

    private static boolean released(Browser browser) {
        JsonNode check = browser.get("/observe/health/ready").json().get("checks").get(0);
        return check.get("data").get("released").asBoolean();
    }
}
