package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.MainProcess;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import io.helidon.http.HeaderNames;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;
import io.helidon.http.HttpMediaTypes;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.api.WebClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State that outlives its process, with the real {@code Main} in child JVMs: logins, stores and
 * pages continue after a restart of the single process (embedded store), after kill -9 or a
 * drain of one process of a site (NATS KV), and one process at most runs a page.
 */
@Tag("slow")
@Timeout(180)
class DurableStateTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

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

    /**
     * With the embedded store, a write that answered survives a kill -9 at once, without waiting
     * for the state writer's round (here an hour away): a login, the demo's order written through
     * the site's Store, and a logout, whose old session must not come back.
     */
    @Test
    void anAnsweredLoginStoreWriteAndLogoutSurviveAKillAtOnce(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("SNAPSHOT_INTERVAL", "1h");
        String bobsSession;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            assertTrue(first.output().contains("(answered writes forced to the disk)"),
                    "by default they survive a crash of the machine too: " + first.output());
            Browser bob = new Browser(first.uri());
            assertEquals(200, bob.login("bob", "bob").status());
            bobsSession = bob.connectionId();
            assertEquals(0, first.stop(), "a drain writes everything: bob is logged in for the next process");
        }
        String alicesSession;
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            Browser alice = new Browser(second.uri());
            assertEquals(200, alice.login("alice", "alice").status());
            alicesSession = alice.connectionId();
            String board = alice.openPage("/board", null).get("page_id").asText();
            assertEquals(200, alice.rpc(board, "create",
                    Json.object().put("customer", "Kept").put("item", "Gears").put("qty", 1), null).status());
            Browser bob = new Browser(second.uri());
            bob.useSession(bobsSession);
            assertEquals(204, bob.post("/_/logout", "").status());
            Observe observe = new Observe(second.uri());
            double waited = observe.metric("resident_state_commit_writes");
            double commits = observe.metric("resident_state_commits");
            assertTrue(waited >= 5 && commits >= 1 && commits <= waited,
                    "a login's and a logout's writes and deletes, and the order, waited for commits: " + waited + " in " + commits);
            assertEquals(waited, observe.metric("resident_state_commit_wait_seconds_count"), "each wait is timed");
            second.kill(); // at once: nothing waits for a round
        }
        try (MainProcess third = MainProcess.start(env, null, dir)) {
            Browser alice = new Browser(third.uri());
            alice.useSession(alicesSession);
            JsonNode opened = alice.openPage("/board", null);
            assertEquals("alice", opened.get("user").asText(), "the login survived");
            JsonNode orders = alice.rpc(opened.get("page_id").asText(), "orders").json().get("result");
            assertEquals("Kept", orders.get(0).get("customer").asText(), "the order written through the Store survived");
            Browser bob = new Browser(third.uri());
            bob.useSession(bobsSession);
            Reply stale = bob.post("/_/pages", Json.object().put("path", "/board"));
            // 401: a new guest's, 503: the id is known as one a logout replaced less than 10 s ago
            assertTrue(stale.status() == 401 || stale.status() == 503,
                    "the logged-out session did not come back: " + stale.status() + " " + stale.body());
        }
    }

    @Test
    void aStateFileOfMostlyFreeSpaceIsShrunkAtTheNextStartWithEveryAnsweredWrite(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("STATE_WRITE_RATE", "0"); // the file grows as fast as the orders come
        Path file = dir.resolve("state").resolve("state.mv");
        String session;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Browser alice = new Browser(first.uri());
            assertEquals(200, alice.login("alice", "alice").status());
            session = alice.connectionId();
            String board = alice.openPage("/board", null).get("page_id").asText();
            // each order rewrites the orders table (one Store value of up to 32 KiB), and MVStore
            // keeps each replaced chunk of its file for 45 s
            for (int writes = 0; Files.size(file) < 24_000_000; writes++) {
                assertTrue(writes < 20_000, "the file stays at " + Files.size(file) + " bytes");
                assertEquals(200, alice.rpc(board, "create", Json.object().put("customer", randomText())
                        .put("item", randomText()).put("qty", 1 + writes % 9), null).status());
            }
            assertEquals(200, alice.rpc(board, "create",
                    Json.object().put("customer", "Last").put("item", "Gears").put("qty", 1), null).status());
            first.kill();
        }
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            assertTrue(second.output().contains("state file compacted at start"), second.output());
            long size = Files.size(file);
            assertTrue(size < 4_000_000, "the file holds its live pages only: " + size + " bytes");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    "the new file is its owner's alone, as the old one: it holds session ids");
            Browser alice = new Browser(second.uri());
            alice.useSession(session);
            JsonNode opened = alice.openPage("/board", null);
            assertEquals("alice", opened.get("user").asText(), "the login survived");
            JsonNode orders = alice.rpc(opened.get("page_id").asText(), "orders").json().get("result");
            assertEquals("Last", orders.get(0).get("customer").asText(), "the last answered write survived the kill");
        }
    }

    /** 80 random letters and digits (as long as the demo takes): the orders table compresses little. */
    private static String randomText() {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder text = new StringBuilder();
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 80; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    /**
     * A page is stored before its open answers, with the session of the new guest who opened it:
     * a kill -9 right after the answer, with the state writer's round and MVStore's own commit an
     * hour away, loses neither.
     */
    @Test
    void aPageOpenedByANewGuestJustBeforeAKillIsContinuedAfterTheRestart(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        env.put("SNAPSHOT_INTERVAL", "1h");
        String session;
        String pageId;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Browser guest = new Browser(first.uri());
            pageId = guest.openPage("/_bench", null).get("page_id").asText();
            session = guest.connectionId();
            first.kill(); // at once
        }
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            Browser guest = new Browser(second.uri());
            guest.useSession(session);
            Reply call = guest.rpc(pageId, "inc", Json.object().put("by", 5), null);
            assertEquals(200, call.status(), "the page and its guest's session survived the kill: " + call.body());
            assertEquals(5, call.json().get("result").asLong());
            assertEquals(session, guest.connectionId(), "the same session, not a new guest's");
        }
    }

    /** As above on a site: the page's process is killed at once, and another continues the page. */
    @Test
    void aPageOpenedByANewGuestJustBeforeItsProcessIsKilledIsContinuedByAnother(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(slowRounds(site(nats, "p01")), leases(), dir);
             MainProcess p02 = MainProcess.start(slowRounds(site(nats, "p02")), leases(), dir)) {
            Browser guest = new Browser(p01.uri());
            String pageId = guest.openPage("/_bench", null).get("page_id").asText();
            p01.kill(); // at once
            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(guest.connectionId());
            Reply call = await(() -> onP02.rpc(pageId, "inc", Json.object().put("by", 5), null));
            assertEquals(5, call.json().get("result").asLong());
            assertEquals(guest.connectionId(), onP02.connectionId(), "the same session, not a new guest's");
        }
    }

    @Test
    void anHttpCallNamingTheEpochOfAPageRestoredAfterAKillGetsAResync(@TempDir Path dir) throws Exception {
        Map<String, String> env = env("");
        env.put("STATE_DIR", dir.resolve("state").toString());
        String session;
        String pageId;
        String epoch;
        long seen;
        try (MainProcess first = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(first.uri());
            JsonNode opened = browser.openPage("/_bench", null);
            session = browser.connectionId();
            pageId = opened.get("page_id").asText();
            epoch = opened.get("epoch").asText();
            assertEquals(200, browser.rpc(pageId, "inc", Json.object().put("by", 3), 0L).status());
            awaitSaved(first.uri());
            Reply lost = browser.rpc(pageId, "inc", Json.object().put("by", 100), 0L); // within the snapshot interval
            assertEquals(103, lost.json().get("result").asLong());
            seen = lost.json().get("seq").asLong();
            first.kill();
        }
        try (MainProcess second = MainProcess.start(env, null, dir)) {
            Browser browser = new Browser(second.uri());
            browser.useSession(session);
            String query = "?page_id=" + pageId.replace("|", "%7C") + "&epoch=" + epoch;
            Reply call = browser.post("/_/rpc" + query, Json.object().put("page_id", pageId).put("method", "inc")
                    .put("after", seen));
            assertEquals(200, call.status(), call.body());
            assertTrue(call.json().path("resync").asBoolean(), "the client's seq " + seen + " is of the page before the "
                    + "kill: its data must be reloaded, not kept (" + call.body() + ")");
            JsonNode reloaded = browser.get("/_/page" + query).json();
            assertNotEquals(epoch, reloaded.get("epoch").asText());
        }
    }

    @Test
    void killedProcessOfASiteIsContinuedByAnotherAndComesBackWithoutStaleCopies(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(site(nats, "p01"), leases(), dir);
             MainProcess p02 = MainProcess.start(site(nats, "p02"), leases(), dir)) {
            Browser onP01 = new Browser(p01.uri());
            String pageId = alicesPageCountedToThree(onP01, "orders");
            String cookie = onP01.connectionId();
            assertTrue(pageId.endsWith("|p01"), pageId);

            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(cookie);
            assertEquals("alice", onP02.openPage("/_bench", null).get("user").asText(),
                    "the login holds on another process");
            Reply misrouted = onP02.rpc(pageId, "inc", null, null);
            assertEquals(503, misrouted.status(), "p01 is alive and runs the page: " + misrouted.body());
            assertEquals("unavailable", misrouted.errorCode());

            p01.kill();
            Reply continued = await(() -> onP02.rpc(pageId, "inc", null, null));
            assertEquals(4, continued.json().get("result").asInt(), "the count continues on p02");
            String newId = continued.json().get("page_id").asText();
            assertEquals(pageId.replace("|p01", "|p02"), newId, "the page is re-homed; the client is told its id");
            assertEquals(5, onP02.incBench(newId, 1));
            assertEquals(6, onP02.incBench(pageId, 1), "the old id still reaches it");
            JsonNode polled = onP02.get("/_/poll?wait=0&after=0&page_id=" + encode(pageId)).json();
            assertEquals(newId, polled.get("page_id").asText(), "a poll by the old id is told the new one");
            JsonNode current = onP02.get("/_/page?page_id=" + encode(pageId)).json();
            assertEquals(newId, current.get("page_id").asText(), "GET /_/page answers with the page's id");
            assertEquals(6, current.get("data").get("count").asInt());
            assertTrue(onP02.get("/_/poll?wait=0&after=0&page_id=" + encode(newId)).json().path("page_id").isMissingNode(),
                    "a poll by the current id carries no page_id");

            try (MainProcess back = MainProcess.start(site(nats, "p01"), leases(), dir.resolve("back"))) {
                Browser onBack = new Browser(back.uri());
                onBack.useSession(cookie);
                Reply stale = onBack.rpc(pageId, "inc", null, null);
                assertEquals(409, stale.status(), "p01 came back: it must not run its old copy: " + stale.body());
                assertEquals(newId, stale.json().get("page_id").asText());
                SocketClient socket = onBack.socket(pageId);
                assertEquals(4307, socket.closeCode(), "the socket is told to follow the page");
            }
        }
    }

    /**
     * A process paused (SIGSTOP) for longer than its lease: another process continues its page.
     * When it runs again it runs no call on its old copy, whose answers would be lost with it: the
     * call is refused (the socket's with an error frame and a close 1012, after which resident.js
     * sends it again over HTTP), and the client is told where the page went. Before, the paused
     * process answered the call 200 and dropped the copy only at its next snapshot write.
     */
    @Test
    void aProcessPausedPastItsLeaseRunsNoCallOnAPageContinuedElsewhere(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(site(nats, "p01"), leases(), dir);
             MainProcess p02 = MainProcess.start(site(nats, "p02"), leases(), dir)) {
            Browser onP01 = new Browser(p01.uri());
            String pageId = alicesPageCountedToThree(onP01);
            SocketClient socket = onP01.socket(pageId);
            socket.next("hello");

            p01.pause();
            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(onP01.connectionId());
            Reply continued = await(() -> onP02.rpc(pageId, "inc", null, null)); // once p01's lease ran out
            assertEquals(4, continued.json().get("result").asInt());
            String newId = continued.json().get("page_id").asText();
            p01.resume();

            socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
            JsonNode refused = socket.next(frame -> frame.path("id").asInt() == 1);
            assertEquals("error", refused.get("t").asText(), "p01 ran a call on a copy p02 continues: " + refused);
            assertEquals("unavailable", refused.path("code").asText(), refused.toString());
            assertEquals(1012, socket.closeCode(), "the client sends the call again over HTTP");
            Reply followed = onP01.rpc(pageId, "inc", null, null);
            assertEquals(409, followed.status(), "sent to the page's process: " + followed.body());
            assertEquals(newId, followed.json().get("page_id").asText());
            assertEquals(5, onP02.incBench(newId, 1), "no call ran on p01's copy");
            Observe p01Meters = new Observe(p01.uri());
            assertLapseCounted(p01Meters);
            assertEquals(1, p01Meters.metric("resident_pages_lost_total"), "and the page it dropped");
        }
    }

    /**
     * Another process that saw p01's lease run out and read a page's saved copy, to continue it,
     * must not take the page over once p01, back from its pause, runs a call on it: the check
     * before that call rewrites the saved copy at its revision (a fence), so a claim at the revision
     * read before is refused, and a process that reads the copy after the fence finds p01's lease
     * renewed (the lease is renewed before the check). Before, the check only read the copy, so a
     * claim already under way went through while p01 ran the call, and its answer was lost.
     */
    @Test
    void aProcessBackFromAPausePastItsLeaseFencesAPageBeforeItsNextCall(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(slowCallsLogged(site(nats, "p01")), leases(), dir);
             Connection client = Nats.connect(nats.url())) {
            Browser onP01 = new Browser(p01.uri());
            String pageId = alicesPageCountedToThree(onP01);
            KeyValue leases = client.keyValue("durable_processes");
            KeyValue pages = client.keyValue("durable_pages");
            String key = pageId.substring(0, pageId.indexOf('|'));

            p01.pause();
            Eventually.await(PATIENCE, "p01's lease ran out", () -> absent(leases, "p01"));
            KeyValueEntry read = pages.get(key); // another process, about to continue the page
            p01.resume();
            Observe observe = new Observe(p01.uri());
            double slowBefore = observe.metric("resident_slow_calls_total");
            try (ExecutorService caller = Executors.newVirtualThreadPerTaskExecutor()) {
                // nobody took the page over yet: p01 runs the call (a snapshot waits for its end)
                Future<Reply> running = caller.submit(() -> onP01.rpc(pageId, "work",
                        Json.object().put("io_ms", 3_000), null));
                Eventually.await(PATIENCE, "the call running for a second (past its check)",
                        () -> observe.metric("resident_slow_calls_total") > slowBefore);
                assertThrows(JetStreamApiException.class, () -> pages.update(key, read.getValue(), read.getRevision()),
                        "a claim at the revision read before p01's call is refused");
                assertEquals(200, running.get().status());
            }
            assertEquals(4, onP01.incBench(pageId, 1), "the page stays p01's");
            assertLapseCounted(observe);
            assertEquals(0, observe.metric("resident_pages_lost_total"));
        }
    }

    /**
     * The pause's lapse is counted. A loaded machine (CI's) may delay a renewal by a lapse's worth
     * (0.8 s of a 1 s lease) on its own, which counts too: the test asks for at least one.
     */
    private static void assertLapseCounted(Observe meters) {
        double lapses = meters.metric("resident_lease_lapses_total");
        assertTrue(lapses >= 1, "the lapse is counted: " + lapses);
    }

    private static boolean absent(KeyValue bucket, String key) {
        try {
            return bucket.get(key) == null;
        } catch (IOException | JetStreamApiException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void drainReleasesPagesToTheSiteAndAdoptionRaceHasOneWinner(@TempDir Path dir) throws Exception {
        String yaml = leases() + "    snapshot-interval: 1h\n"; // only the drain writes
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(drainOnly(nats, "p01"), yaml, dir);
             MainProcess p02 = MainProcess.start(drainOnly(nats, "p02"), yaml, dir);
             MainProcess p03 = MainProcess.start(drainOnly(nats, "p03"), yaml, dir)) {
            Browser onP01 = new Browser(p01.uri());
            assertEquals(200, onP01.login("bob", "bob").status());
            String cookie = onP01.connectionId();
            String pageId = onP01.benchPage();
            assertEquals(5, onP01.incBench(pageId, 5));
            assertEquals(0, p01.stop(), "SIGTERM drains and exits 0");

            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(cookie);
            Browser onP03 = new Browser(p03.uri());
            onP03.useSession(cookie);
            ExecutorService race = Executors.newVirtualThreadPerTaskExecutor();
            Callable<Reply> toP02 = () -> onP02.rpc(pageId, "inc", null, null);
            Callable<Reply> toP03 = () -> onP03.rpc(pageId, "inc", null, null);
            Future<Reply> a = race.submit(toP02);
            Future<Reply> b = race.submit(toP03);
            List<Reply> replies = List.of(a.get(), b.get());
            long won = replies.stream().filter(reply -> reply.status() == 200).count();
            assertEquals(1, won, "exactly one process adopts the page: " + replies);
            Reply winner = replies.stream().filter(reply -> reply.status() == 200).findFirst().orElseThrow();
            Reply loser = replies.stream().filter(reply -> reply.status() != 200).findFirst().orElseThrow();
            assertEquals(6, winner.json().get("result").asInt(), "nothing was lost by the drain");
            assertEquals(409, loser.status(), loser.body());
            assertEquals(winner.json().get("page_id").asText(), loser.json().get("page_id").asText());
            assertNotEquals(pageId, winner.json().get("page_id").asText());
        }
    }

    /**
     * Four callers keep calling one page while its process drains: each follows the page as a
     * balancer and {@code resident.js} would (a 503 or a refused connection sends it to the other
     * process, a 409 {@code page_moved} to the page's new id). Every call answered 200 ran once and
     * none ran unanswered: the counter's values handed out are all different, and the page ends at
     * as many as there were answers.
     */
    @Test
    void callsAcrossADrainAreNeitherLostNorRunTwice(@TempDir Path dir) throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(site(nats, "p01"), leases(), dir);
             MainProcess p02 = MainProcess.start(site(nats, "p02"), leases(), dir)) {
            Browser onP01 = new Browser(p01.uri());
            assertEquals(200, onP01.login("bob", "bob").status());
            String cookie = "rsd_cid=" + onP01.connectionId();
            String pageId = onP01.benchPage();
            Queue<Long> handedOut = new ConcurrentLinkedQueue<>();
            Queue<String> failures = new ConcurrentLinkedQueue<>();
            List<String> lastIds = new CopyOnWriteArrayList<>();
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> runs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    runs.add(callers.submit(() -> callThroughTheDrain(List.of(p01.uri(), p02.uri()), cookie, pageId,
                            handedOut, failures, lastIds)));
                }
                Eventually.await(PATIENCE, "calls under way", () -> handedOut.size() >= 200 || !failures.isEmpty());
                p01.terminate(); // SIGTERM: the drain runs while the calls keep coming
                for (Future<?> run : runs) {
                    run.get();
                }
            }
            assertEquals(List.of(), List.copyOf(failures));
            assertEquals(0, p01.awaitExit(PATIENCE), "the drain ended");
            List<Long> values = handedOut.stream().sorted().toList();
            assertEquals(values.size(), values.stream().distinct().count(), "no value handed out twice: " + values);
            String movedId = lastIds.get(0);
            assertNotEquals(pageId, movedId, "the page was continued on p02");
            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(onP01.connectionId());
            JsonNode page = onP02.get("/_/page?page_id=" + encode(movedId)).json();
            assertEquals(values.size(), page.get("data").get("count").asInt(), "as many runs as answers");
        }
    }

    private static Void callThroughTheDrain(List<URI> processes, String cookie, String pageId, Queue<Long> handedOut,
                                            Queue<String> failures, List<String> lastIds) throws InterruptedException {
        List<WebClient> clients = processes.stream().map(uri -> WebClient.builder().baseUri(uri).build()).toList();
        int target = 0;
        String id = pageId;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        for (int answered = 0; answered < 150 && failures.isEmpty(); ) {
            if (System.nanoTime() > deadline) {
                failures.add("150 answers not reached in " + PATIENCE + " (" + answered + ")");
                break;
            }
            ClientResponseTyped<String> reply;
            try {
                reply = clients.get(target).post("/_/rpc").contentType(HttpMediaTypes.JSON_UTF_8)
                        .header(HeaderNames.COOKIE, cookie)
                        .submit("{\"page_id\":" + Json.write(id) + ",\"method\":\"inc\",\"params\":{}}", String.class);
            } catch (RuntimeException e) { // the process is gone: the balancer sends the next one elsewhere
                target = 1;
                continue;
            }
            switch (reply.status().code()) {
                case 200 -> {
                    JsonNode answer = Json.parse(reply.entity());
                    handedOut.add(answer.get("result").asLong());
                    id = answer.path("page_id").asText(id);
                    answered++;
                }
                case 503 -> { // draining, or the page on its way: nothing ran
                    target = 1;
                    Thread.sleep(20); // the backoff of a client trying again
                }
                case 409 -> {
                    id = Json.parse(reply.entity()).get("page_id").asText();
                    target = 1;
                }
                default -> failures.add("rpc " + reply.status() + " " + reply.entity());
            }
        }
        lastIds.add(id);
        return null;
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

    private static String encode(String pageId) {
        return java.net.URLEncoder.encode(pageId, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Logs the browser in as alice, opens a bench page watching {@code tables}, counts it to 3 and waits until it is saved. */
    private static String alicesPageCountedToThree(Browser browser, String... tables) {
        assertEquals(200, browser.login("alice", "alice").status());
        String pageId = browser.benchPage(tables);
        assertEquals(3, browser.incBench(pageId, 3));
        awaitSaved(browser.base());
        return pageId;
    }

    /** Waits until the server has written every change (its metrics say nothing is pending). */
    private static void awaitSaved(URI server) {
        Observe observe = new Observe(server);
        Eventually.await(PATIENCE, "the state written", () -> observe.metric("resident_state_pending") == 0
                && observe.metric("resident_state_writes_total") > 0);
    }

    /** Repeats a request until it answers 200 (the page is continued once the dead owner's lease ends). */
    private static Reply await(Callable<Reply> request) throws Exception {
        Reply[] last = new Reply[1];
        Eventually.await(PATIENCE, "the page continued", () -> {
            try {
                last[0] = request.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return last[0].status() == 200;
        });
        return last[0];
    }

    private static Map<String, String> env(String process) {
        Map<String, String> env = new HashMap<>();
        env.put("PROCESS_ID", process);
        env.put("BENCH_PAGES", "true");
        env.put("DEMO", "true");
        env.put("ADMIN_TOKEN", "durable-test-token");
        env.put("SNAPSHOT_INTERVAL", "100ms");
        return env;
    }

    private static Map<String, String> site(NatsTestServer nats, String process) {
        Map<String, String> env = env(process);
        env.put("IPC_BACKEND", "nats");
        env.put("NATS_URL", nats.url());
        env.put("NATS_PREFIX", "durable");
        return env;
    }

    /** The state writer's rounds an hour apart: only what is written before it answers is stored. */
    private static Map<String, String> slowRounds(Map<String, String> env) {
        env.put("SNAPSHOT_INTERVAL", "1h");
        return env;
    }

    private static Map<String, String> drainOnly(NatsTestServer nats, String process) {
        Map<String, String> env = site(nats, process);
        env.remove("SNAPSHOT_INTERVAL");
        return env;
    }

    /** A call running 300 ms counts as slow: a test sees that it runs. */
    /**
     * A call running for a second is counted: the sign that a 3 s call is past its check (which
     * takes milliseconds, and may take a few hundred on a loaded machine), with 2 s left.
     */
    private static Map<String, String> slowCallsLogged(Map<String, String> env) {
        env.put("SLOW_CALL", "1s");
        return env;
    }

    private static String leases() {
        // a reconnect well within the lease, as a lease this short needs (Settings.leaseOutlastsAReconnect)
        return "resident:\n  state:\n    lease: 1s\nipc:\n  nats:\n    reconnect:\n      max-wait: 400ms\n      jitter: 100ms\n";
    }
}
