package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.AdminView;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests sent with a session id that a login or logout replaced moments ago. A login sent twice
 * from one tab (a double click, a retried request): the second carries the id the first one
 * replaced, and both answers must leave the browser with one session, the one that owns the tab's
 * pages, whichever answer it reads last. Another tab's call or page open sent just before the
 * browser got the new id must be sent again, not taken for a stranger's (which would end its page,
 * or log the browser out). And the replaced id must stay worthless to anyone without the user's
 * password (session fixation), whatever the order of the requests.
 */
@ServerTest
@Tag("slow")
@Timeout(120)
class ReplacedSessionIdTest {
    /** More runs of the two-at-once case: {@code -Dresident.login.races=500}. */
    private static final int RACES = Integer.getInteger("resident.login.races", 100);
    private static final Pattern SESSION_COOKIE = Pattern.compile("rsd_cid=([A-Za-z0-9_-]+)");
    private static final Semaphore LATE_OPEN_WAITING = new Semaphore(0);
    private static final Semaphore LATE_OPEN_GOES_ON = new Semaphore(0);
    private static Resident resident;
    private final URI uri;

    ReplacedSessionIdTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        try {
            // the embedded store: a login waits for its commit, as in production, which widens the races
            resident = TestServers.resident(Map.of("resident.state.store", "embedded",
                    "resident.state.dir", Files.createTempDirectory("double-login").toString(),
                    "resident.login.per-address-per-minute", "100000",
                    "resident.login.global-per-minute", "100000"), new PageTypes().register(opensLate()));
            server.update(resident::setup);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A page type whose open waits for the test's word, then is refused ({@code "refuse":true})
     * or opens with its user in its data, as a page that loads its user's own data would.
     */
    private static PageType<Page> opensLate() {
        return PageType.<Page>builder("/opens-late", (page, params) -> {
            LATE_OPEN_WAITING.release();
            if (!LATE_OPEN_GOES_ON.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the open go on");
            }
            if (params.has("refuse")) {
                throw new PageException(400, "bad_params", "refused, late");
            }
            page.data().set("owner", page.user());
            return page;
        }).build();
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    /**
     * Session fixation through what was open before the login: the attacker fixed the victim's
     * session id, opened a page with it and keeps its socket and a long-poll open. The login closes
     * the socket (nothing sent on it afterwards runs as the victim) and the poll answers 503 rather
     * than what came for the victim meanwhile.
     */
    @Test
    void aSocketAndAPollOpenedWithAFixedIdBeforeTheLoginGetNothingOfIt() throws Exception {
        Browser attacker = new Browser(uri);
        JsonNode opened = attacker.openPage("/_bench", Json.object());
        String page = opened.get("page_id").asText();
        String fixed = attacker.connectionId();
        SocketClient socket = attacker.socket(page);
        socket.next("hello");
        try (ExecutorService polling = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Reply> poll = polling.submit(() -> attacker.get("/_/poll?page_id=" + page.replace("|", "%7C")
                    + "&after=" + opened.get("seq").asLong() + "&wait=20"));
            Reply login = session(fixed).login("alice", "alice");
            assertEquals(200, login.status(), login.body());
            assertEquals(1012, socket.closeCode(), "the socket opened before the login is closed by it");
            // the victim's tab (the fixed page is now hers) sends herself a notice: the poll wakes
            Browser victim = session(sessionSet(login));
            assertEquals(200, victim.rpc(page, "notify", Json.object().put("topic", "secret"), null).status());
            Reply answered = poll.get();
            assertEquals(503, answered.status(), "nothing that came for alice: " + answered.body());
        }
        SocketClient again = attacker.socket(page);
        int code = again.closeCode();
        assertTrue(code == 1013 || code == 4404, "the fixed id opens no socket after the login: " + code);
    }

    /**
     * Calls that the fixed id's owner sent before the victim's login, still waiting for the page
     * while she logs in, do not run as her: they answer 503 and change nothing. The call running
     * while she logs in ran, but its answer and what the page was sent meanwhile are hers: 409
     * {@code session_changed}, with none of it. A read of the page waiting behind it gets 503.
     * Before, that call answered 200 with her notices, and the read with her page.
     */
    @Test
    void callsWaitingForThePageWhenTheFixedIdLogsInDoNotRunAsTheVictim() throws Exception {
        Browser attacker = new Browser(uri);
        String page = attacker.benchPage();
        String fixed = attacker.connectionId();
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        Browser bob = new Browser(uri);
        assertEquals(200, bob.login("bob", "bob").status());
        String bobsPage = bob.benchPage();
        try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Reply> holding = calls.submit(() -> attacker.rpc(page, "work", Json.object().put("io_ms", 3000), 0L));
            Eventually.await(Duration.ofSeconds(10), "the slow call runs", () -> AdminView.pendingCalls(admin, page) == 1);
            Future<Reply> waiting = calls.submit(() -> attacker.rpc(page, "inc", Json.object().put("by", 5), null));
            Future<Reply> read = calls.submit(() -> attacker.get("/_/page?page_id=" + page.replace("|", "%7C")));
            Eventually.await(Duration.ofSeconds(10), "the next call and the read wait for the page",
                    () -> AdminView.pendingCalls(admin, page) == 3);

            Reply login = session(fixed).login("carol", "carol");
            assertEquals(200, login.status(), login.body());
            assertEquals(200, bob.rpc(bobsPage, "notify", Json.object().put("topic", "secret").put("user", "carol")
                    .put("payload", "for carol only"), null).status());
            Reply held = holding.get();
            ProtocolTest.assertError(held, 409, "session_changed");
            assertFalse(held.body().contains("for carol only"), held.body());
            Reply refused = waiting.get();
            assertEquals(503, refused.status(), "the waiting call does not run as carol: " + refused.body());
            assertEquals("unavailable", refused.errorCode());
            Reply readAfter = read.get();
            assertEquals(503, readAfter.status(), "carol's page is not read with the fixed id: " + readAfter.body());
            Browser victim = session(sessionSet(login));
            JsonNode mine = victim.get("/_/page?page_id=" + page.replace("|", "%7C")).json();
            assertEquals("carol", mine.get("user").asText(), "a guest's page goes with its login");
            assertEquals(0, mine.get("data").get("count").asInt(), "nothing of the waiting call ran");
        }
    }

    @Test
    void aSecondLoginWithTheReplacedIdGetsTheSessionTheFirstOneMade() {
        Browser tab = new Browser(uri);
        String page = tab.benchPage();
        String before = tab.connectionId();
        assertEquals(200, tab.login("alice", "alice").status());
        String first = tab.connectionId();

        Browser late = new Browser(uri); // the same tab, its second request sent with the old cookie
        late.useSession(before);
        Reply second = late.login("alice", "alice");
        assertEquals(200, second.status(), second.body());
        assertEquals(first, sessionSet(second), "the second login answers with the first one's session");
        assertEquals(200, tab.rpc(page, "inc").status(), "the first answer's session still owns the page");
    }

    @Test
    void anotherTabsRequestsWithTheIdALoginJustReplacedAreToldToTryAgain() {
        Browser tab = new Browser(uri);
        String page = tab.benchPage();
        String before = tab.connectionId();
        assertEquals(200, tab.login("alice", "alice").status());

        Browser otherTab = session(before); // sent before the browser had the new id
        Reply refused = otherTab.rpc(page, "inc");
        ProtocolTest.assertError(refused, 503, "unavailable");
        assertEquals("1", refused.header("Retry-After"), "a moment: by then the browser has the new id");
        Reply open = otherTab.post("/_/pages", "{\"path\":\"/_bench\"}");
        ProtocolTest.assertError(open, 503, "unavailable");
        assertEquals(null, sessionSet(open), "no new session: it would log the browser out");
        assertEquals(1013, otherTab.socket(page).closeCode(), "the socket tries again later");
        assertEquals(200, session(tab.connectionId()).rpc(page, "inc").status(), "sent again with the new id");
    }

    @Test
    void anotherTabsCallWithTheIdALogoutJustReplacedIsToldToTryAgain() {
        Browser tab = new Browser(uri);
        assertEquals(200, tab.login("alice", "alice").status());
        String page = tab.benchPage();
        String loggedIn = tab.connectionId();
        Reply logout = tab.post("/_/logout", "");
        assertEquals(204, logout.status(), logout.body());
        String guest = sessionSet(logout);
        assertNotEquals(loggedIn, guest);

        ProtocolTest.assertError(session(loggedIn).rpc(page, "inc"), 503, "unavailable");
        ProtocolTest.assertError(session(guest).rpc(page, "inc"), 404, "unknown_page"); // hers ended with her logout
    }

    /**
     * A login on p01 replaces the id of a session that p02 holds (its page is there). The login
     * tells p02 over the bus, and leaves a mark under the old id in the store: p02's next request
     * with the old id checks the session against the store and is told to try again. Its recheck
     * interval is an hour here, so without the bus p02 would go on answering from its own copy.
     */
    @Test
    void aRequestWithTheIdALoginOnAnotherProcessReplacedIsToldToTryAgainThere() throws Exception {
        try (TwoProcesses site = TwoProcesses.start()) {
            NatsSite.Node p01 = site.p01();
            NatsSite.Node p02 = site.p02();
            SavedTab tab = savedTab(p02);
            String after = logInOn(p01, tab.session());

            Browser otherTab = new Browser(p02.uri()); // sent before the browser had the new id
            otherTab.useSession(tab.session());
            String page = tab.page();
            Reply last = awaitRefused(otherTab, page);
            ProtocolTest.assertError(last, 503, "unavailable");
            Reply open = otherTab.post("/_/pages", "{\"path\":\"/_bench\"}");
            ProtocolTest.assertError(open, 503, "unavailable");
            assertEquals(null, sessionSet(open), "no new session: it would log the browser out");
            assertSentAgainAsAlice(p02, after, page);
        }
    }

    /**
     * The attacker's socket, opened with the fixed id on p01, is closed when the victim's login
     * with that id lands on p02 (the balancer sends logins by user): p01 hears of the new id over
     * the bus and checks the session at once, before anything of alice's can reach the socket. Its
     * recheck interval is an hour here, and the attacker sends no request.
     */
    @Test
    void aSocketOnAnotherProcessOpenedWithAFixedIdIsClosedByTheLogin() throws Exception {
        try (TwoProcesses site = TwoProcesses.start()) {
            SavedTab attacker = savedTab(site.p01());
            SocketClient socket = attacker.browser().socket(attacker.page());
            socket.next("hello");
            logInOn(site.p02(), attacker.session());
            assertEquals(1012, socket.closeCode(Duration.ofSeconds(10)), "closed once p01 knows of the login");
        }
    }

    /**
     * Alice's page is on p01; her logout lands on p02. Once p01 knows (the bus, or the next
     * request with the new id), her page there ends too, as if she had logged out on p01.
     */
    @Test
    void aLogoutOnAnotherProcessEndsTheUsersPagesHereToo() throws Exception {
        try (TwoProcesses site = TwoProcesses.start()) {
            NatsSite.Node p01 = site.p01();
            NatsSite.Node p02 = site.p02();
            Browser alice = p01.browser();
            assertEquals(200, alice.login("alice", "alice").status());
            String page = alice.benchPage();
            Eventually.await(Duration.ofSeconds(10), "p01 saved the session",
                    () -> p01.counter("resident_state_pending") == 0);
            Browser logout = new Browser(p02.uri()); // the same browser, its logout sent to p02
            logout.useSession(alice.connectionId());
            Reply out = logout.post("/_/logout", "");
            assertEquals(204, out.status(), out.body());
            Browser after = new Browser(p01.uri());
            after.useSession(sessionSet(out));
            Eventually.await(Duration.ofSeconds(10), "her page on p01 ended",
                    () -> after.rpc(page, "inc").status() == 404);
        }
    }

    /**
     * Alice's page is on p01 and her logout lands on p02, and no request with her browser's new id
     * ever reaches p01: once her page there has expired, p01 forgets her session too (it waited for
     * the new id with her page, and kept it for ever).
     */
    @Test
    void aSessionReplacedOnAnotherProcessIsForgottenHereOnceItsPagesAreGone() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, Map.of("resident.state.store", "nats",
                     "resident.state.snapshot-interval", "100ms", "resident.state.recheck", "1h",
                     "resident.pages.idle-ttl", "2s", "resident.connections.user-ttl", "3s",
                     "resident.connections.guest-ttl", "3s", "resident.sweep-interval", "500ms"))) {
            NatsSite.Node p01 = site.start("p01");
            NatsSite.Node p02 = site.start("p02");
            Browser alice = p01.browser();
            assertEquals(200, alice.login("alice", "alice").status());
            String page = alice.benchPage();
            Eventually.await(Duration.ofSeconds(10), "p01 saved the session",
                    () -> p01.counter("resident_state_pending") == 0);
            assertEquals(1, p01.counter("resident_users"));
            Browser logout = new Browser(p02.uri());
            logout.useSession(alice.connectionId());
            assertEquals(204, logout.post("/_/logout", "").status());
            Eventually.await(Duration.ofSeconds(10), "her page on p01 expired",
                    () -> p01.counter("resident_pages") == 0);
            Eventually.await(Duration.ofSeconds(15), "p01 forgot her session",
                    () -> p01.counter("resident_users") == 0);
        }
    }

    /**
     * p02 has a write of its copy of the session queued (a guest's copy is refreshed in the store
     * 250 ms after its last write here) when p01's login replaces the id: that write comes after
     * the login's mark, and must not overwrite it, which would bring the old id back to life on the
     * session (and its pages).
     */
    @Test
    void aCopyOfTheSessionWrittenJustAfterALoginElsewhereDoesNotBringTheOldIdBack() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, Map.of("resident.state.store", "nats",
                     "resident.state.snapshot-interval", "2s", "resident.connections.guest-ttl", "2s",
                     "resident.state.recheck", "1h"))) {
            NatsSite.Node p01 = site.start("p01");
            NatsSite.Node p02 = site.start("p02");
            SavedTab tab = savedTab(p02);
            String page = tab.page();
            // reads of the page change nothing but the session's last use
            Eventually.await(Duration.ofSeconds(10), "p02 has its copy of the session queued for a write",
                    () -> tab.browser().get("/_/page?page_id=" + page.replace("|", "%7C")).status() == 200
                            && p02.counter("resident_state_pending") > 0);
            String after = logInOn(p01, tab.session()); // before p02's next round (one a second)
            Eventually.await(Duration.ofSeconds(10), "p02 wrote what it had queued",
                    () -> p02.counter("resident_state_pending") == 0);

            Browser otherTab = new Browser(p02.uri());
            otherTab.useSession(tab.session());
            ProtocolTest.assertError(awaitRefused(otherTab, page), 503, "unavailable");
            assertSentAgainAsAlice(p02, after, page);
        }
    }

    /**
     * Two processes of a site sharing the NATS state store, each checking a session it holds
     * against the store only every hour (so only the bus or a request tells them sooner).
     */
    private record TwoProcesses(NatsTestServer nats, NatsSite site, NatsSite.Node p01, NatsSite.Node p02)
            implements AutoCloseable {
        static TwoProcesses start() {
            NatsTestServer nats = new NatsTestServer("-js");
            NatsSite site = null;
            try {
                site = new NatsSite(nats, Map.of("resident.state.store", "nats",
                        "resident.state.snapshot-interval", "100ms", "resident.state.recheck", "1h"));
                return new TwoProcesses(nats, site, site.start("p01"), site.start("p02"));
            } catch (RuntimeException e) {
                if (site != null) {
                    site.close();
                }
                nats.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                site.close();
            } finally {
                nats.close();
            }
        }
    }

    /** A guest's tab on a process of a site: its browser, its page, its session id. */
    private record SavedTab(Browser browser, String page, String session) {
    }

    /** A guest's tab with a page on {@code process}, once the process has saved its session. */
    private static SavedTab savedTab(NatsSite.Node process) {
        Browser browser = process.browser();
        String page = browser.benchPage();
        Eventually.await(Duration.ofSeconds(10), process.process() + " saved the session",
                () -> process.counter("resident_state_pending") == 0 && process.counter("resident_state_writes_total") > 0);
        return new SavedTab(browser, page, browser.connectionId());
    }

    /** Logs the session {@code id} in as alice on {@code process}; returns the new session id. */
    private static String logInOn(NatsSite.Node process, String id) {
        Browser login = new Browser(process.uri()); // the balancer sends the login to another process
        login.useSession(id);
        Reply loggedIn = login.login("alice", "alice");
        assertEquals(200, loggedIn.status(), loggedIn.body());
        String after = sessionSet(loggedIn);
        assertNotEquals(id, after);
        return after;
    }

    /** Calls the page until the answer is not a 200; that answer. */
    private static Reply awaitRefused(Browser browser, String page) {
        Reply[] last = new Reply[1];
        Eventually.await(Duration.ofSeconds(10), "the replaced id refused", () -> last[0].body(),
                () -> (last[0] = browser.rpc(page, "inc")).status() != 200);
        return last[0];
    }

    private static void assertSentAgainAsAlice(NatsSite.Node process, String sessionId, String page) {
        Browser sentAgain = new Browser(process.uri());
        sentAgain.useSession(sessionId);
        Reply again = sentAgain.rpc(page, "inc");
        assertEquals(200, again.status(), "sent again with the new id, the process runs the page: " + again.body());
        assertEquals("alice", sentAgain.openPage("/_bench", Json.object()).get("user").asText(), "as alice's");
    }

    @Test
    void aGuestsLogoutKeepsItsId() {
        Browser guest = new Browser(uri);
        guest.benchPage();
        String id = guest.connectionId();
        Reply logout = guest.post("/_/logout", "");
        assertEquals(204, logout.status());
        assertEquals(null, sessionSet(logout), "nothing to log out of: no new id, nothing written");
        session(id).benchPage(); // the id still works
    }

    /** Another user's login with the replaced id gets a session of its own; a logout with it gets none. */
    @Test
    void anotherUsersLoginOrALogoutWithTheReplacedIdGetNothingOfTheSession() {
        for (boolean logsIn : new boolean[] {true, false}) {
            Browser victim = new Browser(uri);
            String page = victim.benchPage();
            String fixed = victim.connectionId();
            assertEquals(200, victim.login("alice", "alice").status());

            Reply attackers = logsIn ? session(fixed).login("bob", "bob") : session(fixed).post("/_/logout", "");
            assertEquals(logsIn ? 200 : 204, attackers.status(), attackers.body());
            String handedOut = sessionSet(attackers);
            if (logsIn) {
                assertNotEquals(victim.connectionId(), handedOut);
                ProtocolTest.assertError(session(handedOut).rpc(page, "inc"), 404, "unknown_page");
            } else {
                assertEquals(null, handedOut, "no session handed out");
            }
            Reply victims = victim.rpc(page, "inc");
            assertEquals(200, victims.status(), victims.body());
            assertEquals("alice", victim.openPage("/_bench", null).get("user").asText());
        }
    }

    /**
     * Both logins in flight at once, with the same cookie: both answers carry the same session id,
     * and it owns the page. Before logins of one session took turns, each rotated the id once more,
     * and the answers carried two ids of which one was already dead.
     */
    @Test
    void twoLoginsAtOnceLeaveOneSession() {
        for (int race = 0; race < RACES; race++) {
            Browser tab = new Browser(uri);
            String page = tab.benchPage();
            List<String> ids = loginTwiceAtOnce(tab.connectionId(), "alice", "alice");
            assertEquals(ids.get(0), ids.get(1), "race " + race + ": both answers carry one session");
            Reply call = session(ids.get(0)).rpc(page, "inc");
            assertEquals(200, call.status(), "race " + race + ": " + call.body());
        }
    }

    /**
     * An attacker who fixed the victim's id logs in as another user, or out, or opens a page, with
     * it while the victim logs in. Whichever goes first, the victim's answer is a session of the victim's, and
     * the attacker's is not: the attacker can at most end the session it planted (as it could
     * before the victim's login), never ride or end the victim's login. Before logins and logouts
     * of one session took turns, the attacker's request could rotate the session once more after
     * the victim's login, taking the victim's pages and leaving the victim a dead id.
     */
    @Test
    void anAttackersRequestRacingTheVictimsLoginGetsNothingOfTheLogin() {
        for (int race = 0; race < RACES; race++) {
            Browser victim = new Browser(uri);
            victim.benchPage();
            String fixed = victim.connectionId();
            String attackers = switch (race % 3) {
                case 0 -> post("/_/login", login("bob", "bob"), fixed);
                case 1 -> post("/_/logout", "", fixed);
                default -> post("/_/pages", "{\"path\":\"/_bench\"}", fixed);
            };
            List<String> ids = sendAtOnce(post("/_/login", login("alice", "alice"), fixed), attackers);
            JsonNode victims = session(ids.get(0)).openPage("/_bench", null);
            assertEquals("alice", victims.get("user").asText(), "race " + race);
            if (ids.get(1) != null) {
                Browser attacker = session(ids.get(1));
                assertNotEquals("alice", attacker.openPage("/_bench", null).get("user").asText(), "race " + race);
                assertEquals(404, attacker.rpc(victims.get("page_id").asText(), "inc").status(), "race " + race);
            }
        }
    }

    /**
     * An attacker who fixed the victim's id opens pages with it back to back (some at a path that
     * is refused) all through the victim's login: no answer hands it the victim's new id, and the
     * victim's login is whole. While a login replaces the id, the old id must find nothing: the
     * connection found under it already has the new id, which a page open would have set as the
     * attacker's cookie, and a refused open would have dropped as a connection it had minted.
     */
    @Test
    void pagesOpenedWithTheFixedIdDuringTheLoginGetNothingOfIt() throws Exception {
        for (int race = 0; race < RACES / 10; race++) {
            Browser victim = new Browser(uri);
            String page = victim.benchPage();
            String fixed = victim.connectionId();
            Set<String> handedOut = new HashSet<>();
            Reply login;
            try (ExecutorService loginThread = Executors.newVirtualThreadPerTaskExecutor();
                 RawHttp attacker = new RawHttp(uri)) {
                Future<Reply> victims = loginThread.submit(() -> victim.login("alice", "alice"));
                for (int open = 0; !victims.isDone(); open++) {
                    String path = open % 2 == 0 ? "/_bench" : "/nowhere";
                    attacker.send(post("/_/pages", "{\"path\":\"" + path + "\"}", fixed));
                    String id = sessionSet(attacker.answer());
                    if (id != null) {
                        handedOut.add(id);
                    }
                }
                login = victims.get();
            }
            assertEquals(200, login.status(), login.body());
            String session = sessionSet(login);
            assertFalse(handedOut.contains(session), "race " + race + ": the attacker was handed the victim's session");
            Browser after = session(session);
            Reply snapshot = after.get("/_/page?page_id=" + page); // the attacker's opens filled the session's pages
            assertEquals(200, snapshot.status(), "race " + race + ": " + snapshot.body());
            assertEquals("alice", snapshot.json().get("user").asText(), "race " + race);
        }
    }

    /**
     * A page open with the fixed id that found the session, and is refused only after the
     * victim's login replaced the id (the victim's session holding no page by then): the refusal
     * once dropped the session as a connection the open had minted (it compared the ids, and the
     * id had changed), so the victim's login answered with an id that named nothing.
     */
    @Test
    void aPageOpenRefusedAfterTheLoginDoesNotEndTheVictimsSession() throws Exception {
        Browser victim = new Browser(uri);
        String page = victim.benchPage();
        assertEquals(204, victim.post("/_/close", "{\"page_id\":\"" + page + "\"}").status());
        RawHttp.Answer refused = openLateWhileLoggingIn(victim, "{\"refuse\":true}");
        assertEquals(503, refused.status(), refused.body());
        assertNull(sessionSet(refused));
        JsonNode opened = session(victim.connectionId()).openPage("/_bench", null);
        assertEquals("alice", opened.get("user").asText(), "the victim's session was ended");
    }

    /**
     * A page open with the fixed id that found the session before the victim's login, and whose
     * page's code ran while the login made the session the victim's: it saw the victim's identity,
     * and once answered the attacker with the page, the victim's name and what the page loaded
     * as the victim. It gets 503 now (try again: with the old id, a new guest), and the page is gone.
     */
    @Test
    void aPageOpenThatRanThroughTheLoginAnswersNothingOfIt() throws Exception {
        Browser victim = new Browser(uri);
        victim.benchPage();
        RawHttp.Answer answer = openLateWhileLoggingIn(victim, "{}");
        assertEquals(503, answer.status(), answer.body());
        assertFalse(answer.body().contains("alice"), answer.body());
        assertTrue(resident.registry().pages().stream().noneMatch(page -> page.path().equals("/opens-late")),
                "the page opened through the login stayed");
    }

    /** The attacker opens a {@code /opens-late} page with the victim's fixed id; the victim logs in while its code runs. */
    private RawHttp.Answer openLateWhileLoggingIn(Browser victim, String params) throws Exception {
        String fixed = victim.connectionId();
        try (RawHttp attacker = new RawHttp(uri)) {
            attacker.send(post("/_/pages", "{\"path\":\"/opens-late\",\"params\":" + params + "}", fixed));
            assertTrue(LATE_OPEN_WAITING.tryAcquire(10, TimeUnit.SECONDS), "the open did not reach its page");
            Reply login = victim.login("alice", "alice");
            assertEquals(200, login.status(), login.body());
            LATE_OPEN_GOES_ON.release();
            return attacker.answer();
        }
    }

    private List<String> loginTwiceAtOnce(String cookie, String user, String password) {
        String request = post("/_/login", login(user, password), cookie);
        return sendAtOnce(request, request);
    }

    /** Writes both requests on two connections before reading either answer; the session ids they set. */
    private List<String> sendAtOnce(String one, String other) {
        try (RawHttp first = new RawHttp(uri); RawHttp second = new RawHttp(uri)) {
            first.send(one);
            second.send(other);
            RawHttp.Answer a = first.answer();
            RawHttp.Answer b = second.answer();
            assertEquals(200, a.status(), a.body());
            assertTrue(b.status() >= 200 && b.status() < 300 || b.status() == 503, b.status() + " " + b.body());
            return java.util.Arrays.asList(sessionSet(a), sessionSet(b));
        }
    }

    /** A browser holding only session {@code id} (a browser's own cookie would win over a second one). */
    private Browser session(String id) {
        Browser browser = new Browser(uri);
        browser.useSession(id);
        return browser;
    }

    private static String sessionSet(RawHttp.Answer answer) {
        return sessionIn(answer.headers().get("set-cookie"));
    }

    private static String sessionSet(Reply reply) {
        return sessionIn(String.valueOf(reply.headers().get("set-cookie")));
    }

    private static String sessionIn(String setCookie) {
        Matcher id = setCookie == null ? null : SESSION_COOKIE.matcher(setCookie);
        return id != null && id.find() ? id.group(1) : null;
    }

    private static String login(String user, String password) {
        return Json.write(Json.object().put("user", user).put("password", password));
    }

    private String post(String path, String body, String cookie) {
        return "POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\nCookie: rsd_cid=" + cookie + "\r\n\r\n" + body;
    }
}
