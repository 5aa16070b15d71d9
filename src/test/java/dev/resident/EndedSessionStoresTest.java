package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Params;
import dev.resident.page.Store;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a page of a session that ended writes to its {@code Store}s reaches nobody who holds the
 * browser next. Alice's page is on p01, her logout (or bob's login with her session) lands on
 * p02, which empties the session's store; p01 learns of it only later (the bus, the next request
 * with the new id, its recheck), and her page's code may run meanwhile: a call that was running,
 * or its close handler, which runs once p01 ends the page. Before, such a write filled the
 * emptied store again, under the connection's key, which the session keeps through a logout: the
 * guest after her, and bob logging in on that browser, read what she wrote.
 */
@Timeout(120)
class EndedSessionStoresTest {
    private static final Pattern SESSION_COOKIE = Pattern.compile("rsd_cid=([A-Za-z0-9_-]+)");

    /**
     * A call of alice's page on p01, running while she logs out on p02, writes the connection's
     * store once the logout emptied it.
     */
    @Test
    void aCallOfHerPageRunningThroughHerLogoutElsewhereLeavesNothingForTheNextUser() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            NatsSite.Node p02 = site.start("p02", notes.types());
            Browser alice = loggedIn(p01, "alice");
            String page = alice.openPage("/notes", null).get("page_id").asText();
            savedEverything(p01);
            try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Reply> late = calls.submit(() -> alice.rpc(page, "putWhenTold",
                        note("connection", "draft", "alice's secret"), null));
                assertTrue(notes.waiting.tryAcquire(20, TimeUnit.SECONDS), "her call runs");
                String guest = loggedOutOn(p02, alice.connectionId());
                notes.go.release();
                Reply answered = late.get(20, TimeUnit.SECONDS);
                assertTrue(answered.status() == 200 || answered.status() == 409, answered.body());
                assertNextUsersSeeNothing(p02, guest, "draft");
            }
        }
    }

    /**
     * Alice's page on p01 has a close handler that writes the connection's store; p01 ends her
     * page once the browser's next request (with its new id, a guest's) reaches it, after the
     * logout on p02 emptied the store.
     */
    @Test
    void herPagesCloseHandlerRunAfterHerLogoutElsewhereLeavesNothingForTheNextUser() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            NatsSite.Node p02 = site.start("p02", notes.types());
            Browser alice = loggedIn(p01, "alice");
            alice.openPage("/notes", Json.object().set("onClose", note("connection", "goodbye", "alice's goodbye")));
            savedEverything(p01);
            String guest = loggedOutOn(p02, alice.connectionId());
            session(p01, guest).openPage("/notes", null); // the guest's next request lands on p01
            assertTrue(notes.closed.tryAcquire(20, TimeUnit.SECONDS), "her page's close handler ran");
            assertNextUsersSeeNothing(p02, guest, "goodbye");
        }
    }

    /**
     * Alice logs out on p02 and back in there; her browser's next request reaches p01, where her
     * page from before the logout still is: it ends, as her logout on p01 would have ended it. It
     * went on before (the session's user was alice again), with a store the logout had emptied.
     */
    @Test
    void herPageFromBeforeHerLogoutElsewhereEndsThoughSheLoggedBackIn() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            NatsSite.Node p02 = site.start("p02", notes.types());
            Browser alice = loggedIn(p01, "alice");
            String page = alice.openPage("/notes", null).get("page_id").asText();
            savedEverything(p01);
            String guest = loggedOutOn(p02, alice.connectionId());
            Reply login = session(p02, guest).login("alice", "alice");
            assertEquals(200, login.status(), login.body());
            Reply read = session(p01, sessionSet(login)).rpc(page, "get",
                    Json.object().put("scope", "connection").put("key", "draft"), null);
            assertEquals(404, read.status(), "her page ended with her logout: " + read.body());
        }
    }

    /**
     * Bob logs in with alice's session (a shared browser she did not log out of) on p02, and the
     * browser's next request reaches p01 while a call of her page runs there: the page's user is
     * bob's from then on, and the call wrote her note into bob's store, which is his on every
     * session of his.
     */
    @Test
    void aCallOfHerPageRunningThroughBobsLoginWithHerSessionWritesNothingToBobsStore() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            NatsSite.Node p02 = site.start("p02", notes.types());
            Browser alice = loggedIn(p01, "alice");
            String page = alice.openPage("/notes", null).get("page_id").asText();
            savedEverything(p01);
            try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Reply> late = calls.submit(() -> alice.rpc(page, "putWhenTold",
                        note("user", "secret", "alice's secret"), null));
                assertTrue(notes.waiting.tryAcquire(20, TimeUnit.SECONDS), "her call runs");
                Reply login = session(p02, alice.connectionId()).login("bob", "bob");
                assertEquals(200, login.status(), login.body());
                Browser bob = session(p01, sessionSet(login));
                String bobsPage = bob.openPage("/notes", null).get("page_id").asText(); // p01 knows now
                notes.go.release();
                Reply answered = late.get(20, TimeUnit.SECONDS);
                assertTrue(answered.status() == 200 || answered.status() == 409, answered.body());
                Reply read = bob.rpc(bobsPage, "get", Json.object().put("scope", "user").put("key", "secret"), null);
                assertEquals(200, read.status(), read.body());
                assertTrue(read.json().get("result").isNull(), "bob reads what alice's page wrote: " + read.body());
            }
        }
    }

    /**
     * Bob logs in with alice's session on p02 while a call of her page runs on p01, and p01 hears
     * of it (his next request) before the call goes on: the page's user is still alice for the rest
     * of the call and in its close handler, never bob. Before, both saw bob: her page could send
     * notices, submit and follow jobs as him.
     */
    @Test
    void herPageRunningThroughBobsLoginWithHerSessionElsewhereStillHasHerAsItsUser() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            NatsSite.Node p02 = site.start("p02", notes.types());
            Browser alice = loggedIn(p01, "alice");
            String page = alice.openPage("/notes", null).get("page_id").asText();
            savedEverything(p01);
            try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Reply> late = calls.submit(() -> alice.rpc(page, "userWhenTold", null, null));
                assertTrue(notes.waiting.tryAcquire(20, TimeUnit.SECONDS), "her call runs");
                Reply login = session(p02, alice.connectionId()).login("bob", "bob");
                assertEquals(200, login.status(), login.body());
                Browser bob = session(p01, sessionSet(login));
                assertEquals("bob", bob.rpc(bob.openPage("/notes", null).get("page_id").asText(), "user", null, null)
                        .json().path("result").asText(), "p01 knows the session is bob's now");
                notes.go.release();
                Reply answered = late.get(20, TimeUnit.SECONDS);
                assertTrue(answered.status() == 200 || answered.status() == 409, answered.body());
                assertEquals("alice", notes.calledAs.poll(20, TimeUnit.SECONDS), "the user her call saw once told");
                assertEquals("alice", notes.closedAs.poll(20, TimeUnit.SECONDS), "the user her page's close handler saw");
            }
        }
    }

    /**
     * A guest's page is the user's once the guest logs in (the same person), and stays theirs when
     * they log out of that browser while a call of it runs: the rest of the call and its close
     * handler see alice, not the guest who holds the browser after her.
     */
    @Test
    void aGuestsPageIsHersOnceSheLogsInAndStaysHersThroughHerLogout() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            Browser browser = p01.browser();
            String page = browser.openPage("/notes", null).get("page_id").asText();
            assertTrue(Ids.isGuestUser(browser.rpc(page, "user", null, null).json().path("result").asText()));
            Reply login = browser.login("alice", "alice");
            assertEquals(200, login.status(), login.body());
            assertEquals("alice", browser.rpc(page, "user", null, null).json().path("result").asText(),
                    "the guest's page is hers once she logged in");
            try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Reply> late = calls.submit(() -> browser.rpc(page, "userWhenTold", null, null));
                assertTrue(notes.waiting.tryAcquire(20, TimeUnit.SECONDS), "her call runs");
                loggedOutOn(p01, browser.connectionId());
                notes.go.release();
                Reply answered = late.get(20, TimeUnit.SECONDS);
                assertTrue(answered.status() == 200 || answered.status() == 409, answered.body());
                assertEquals("alice", notes.calledAs.poll(20, TimeUnit.SECONDS), "the user her call saw once told");
                assertEquals("alice", notes.closedAs.poll(20, TimeUnit.SECONDS), "the user her page's close handler saw");
            }
        }
    }

    /**
     * A connection's store kept by the version before tenures (under the connection's key alone)
     * is still the session's after an upgrade: read until the store is written under its tenure,
     * which its next write does. Alice's logout empties it too, so the guest after her and bob
     * find nothing.
     */
    @Test
    void aStoreKeptByTheVersionBeforeIsReadAfterTheUpgradeAndEndsWithTheSession() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats);
             Connection client = Nats.connect(nats.url())) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            Browser alice = loggedIn(p01, "alice");
            String page = alice.openPage("/notes", null).get("page_id").asText();
            notes.go.release();
            assertEquals(200, alice.rpc(page, "putWhenTold", note("connection", "draft", "alice's draft"), null).status());
            // as the version before kept it: under the connection's key alone
            KeyValue stores = client.keyValue(NatsSite.PREFIX + "_connection-stores");
            List<String> keys = stores.keys().stream().distinct().toList(); // a key written during the listing may come twice
            assertEquals(1, keys.size(), keys.toString());
            String underTenure = keys.get(0);
            assertTrue(underTenure.contains("."), underTenure);
            stores.put(underTenure.substring(0, underTenure.indexOf('.')), stores.get(underTenure).getValue());
            stores.delete(underTenure);

            Reply read = alice.rpc(page, "get", Json.object().put("scope", "connection").put("key", "draft"), null);
            assertEquals("alice's draft", read.json().path("result").asText(), read.body());
            notes.go.release();
            assertEquals(200, alice.rpc(page, "putWhenTold", note("connection", "more", "alice's more"), null).status());
            assertEquals(Set.of("alice's draft", "alice's more"), Set.of(
                    alice.rpc(page, "get", Json.object().put("scope", "connection").put("key", "draft"), null)
                            .json().path("result").asText(),
                    alice.rpc(page, "get", Json.object().put("scope", "connection").put("key", "more"), null)
                            .json().path("result").asText()), "her next write kept what the version before held");

            stores.put(underTenure.substring(0, underTenure.indexOf('.')), stores.get(underTenure).getValue());
            String guest = loggedOutOn(p01, alice.connectionId());
            assertNextUsersSeeNothing(p01, guest, "draft");
        }
    }

    /**
     * Her page, released by p01's drain, is being continued on p02 (its type's hook running) when
     * she logs out there: the page continued for her is not the guest's after her.
     */
    @Test
    void herPageContinuedWhileSheLogsOutIsNotTheNextUsers() throws Exception {
        Notes notes = new Notes();
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes.types());
            NatsSite.Node p02 = site.start("p02", notes.types());
            Browser alice = loggedIn(p01, "alice");
            String page = alice.openPage("/notes", null).get("page_id").asText();
            savedEverything(p01);
            p01.resident().drainAndStop(p01.server()); // her page released to the site
            notes.holdOpens.set(true);
            Browser aliceOnP02 = session(p02, alice.connectionId());
            try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<Reply> continuing = calls.submit(() -> aliceOnP02.rpc(page, "user", null, null));
                assertTrue(notes.waiting.tryAcquire(20, TimeUnit.SECONDS), "p02 continues her page");
                String guest = loggedOutOn(p02, alice.connectionId());
                notes.holdOpens.set(false);
                notes.go.release();
                continuing.get(20, TimeUnit.SECONDS);
                Reply read = session(p02, guest).rpc(page, "user", null, null);
                assertEquals(404, read.status(), "the guest after her reaches her page: " + read.body());
            }
        }
    }

    /**
     * The guest who holds the browser after her, and bob who logs in on it (a guest's login keeps
     * the session's store), find none of her notes, on either process.
     */
    private static void assertNextUsersSeeNothing(NatsSite.Node process, String guest, String key) {
        String session = guest;
        for (String who : new String[] {"guest", "bob"}) {
            if (who.equals("bob")) {
                Reply login = session(process, session).login("bob", "bob");
                assertEquals(200, login.status(), login.body());
                session = sessionSet(login);
            }
            Browser browser = session(process, session);
            String page = browser.openPage("/notes", null).get("page_id").asText();
            Reply read = browser.rpc(page, "get", Json.object().put("scope", "connection").put("key", key), null);
            assertEquals(200, read.status(), read.body());
            assertTrue(read.json().get("result").isNull(), who + " reads what alice's page wrote: " + read.body());
        }
    }

    private static NatsSite site(NatsTestServer nats) {
        // a recheck an hour away: p01 learns of the logout only from the bus or a request
        return new NatsSite(nats, Map.of("resident.state.store", "nats", "resident.state.snapshot-interval", "100ms",
                "resident.state.recheck", "1h"));
    }

    private static Browser loggedIn(NatsSite.Node process, String user) {
        Browser browser = process.browser();
        Reply login = browser.login(user, user);
        assertEquals(200, login.status(), login.body());
        return browser;
    }

    /** Waits until the process has stored its session and its pages. */
    private static void savedEverything(NatsSite.Node process) {
        Eventually.await(Duration.ofSeconds(10), process.process() + " saved the session",
                () -> process.counter("resident_state_pending") == 0);
    }

    /** Logs session {@code id} out with a request the balancer sends to {@code process}; the guest's session id. */
    private static String loggedOutOn(NatsSite.Node process, String id) {
        Reply logout = session(process, id).post("/_/logout", "");
        assertEquals(204, logout.status(), logout.body());
        return sessionSet(logout);
    }

    /**
     * The browser holding session {@code id}, its requests sent to {@code process} (a browser of
     * its own for each id: a cookie set by the server would not replace one set by the test).
     */
    private static Browser session(NatsSite.Node process, String id) {
        Browser browser = new Browser(process.uri());
        browser.useSession(id);
        return browser;
    }

    private static String sessionSet(Reply reply) {
        Matcher id = SESSION_COOKIE.matcher(String.valueOf(reply.headers().get("set-cookie")));
        assertTrue(id.find(), "a new session id: " + reply.headers());
        return id.group(1);
    }

    private static ObjectNode note(String scope, String key, String value) {
        return Json.object().put("scope", scope).put("key", key).put("value", value);
    }

    /**
     * A page type whose code writes the store a note names ({@code user}, {@code connection}):
     * {@code putWhenTold} once the test lets it go on, the close handler the note of its open
     * params' {@code onClose}.
     */
    private static final class Notes {
        final Semaphore waiting = new Semaphore(0);
        final Semaphore go = new Semaphore(0);
        final Semaphore closed = new Semaphore(0);
        /** Whether a page's open hook (which also continues a saved page) waits for the test's go. */
        final java.util.concurrent.atomic.AtomicBoolean holdOpens = new java.util.concurrent.atomic.AtomicBoolean();
        /** The user each {@code userWhenTold} saw once told to go on. */
        final BlockingQueue<String> calledAs = new LinkedBlockingQueue<>();
        /** The user each closed page's close handler saw. */
        final BlockingQueue<String> closedAs = new LinkedBlockingQueue<>();

        PageTypes types() {
            return new PageTypes().register(PageType.<Open>builder("/notes",
                            (page, params) -> {
                                if (holdOpens.get()) {
                                    waitForGo();
                                }
                                return new Open(page, params.has("onClose") ? params.value("onClose") : null);
                            })
                    .method("get", (open, params) -> store(open.page(), params.node()).get(params.string("key")).orElse(null))
                    .method("user", (open, params) -> open.page().user())
                    .method("userWhenTold", (open, params) -> {
                        waitForGo();
                        String user = open.page().user();
                        calledAs.add(user); // its answer is withheld once the session changed
                        return user;
                    })
                    .method("putWhenTold", (open, params) -> {
                        waitForGo();
                        write(open.page(), params.node());
                        return true;
                    })
                    .onClose(open -> {
                        closedAs.add(open.page().user());
                        if (open.onClose() != null) {
                            write(open.page(), open.onClose());
                        }
                        closed.release();
                    })
                    .build());
        }

        /** Tells the test that a call runs, and waits for its go. */
        private void waitForGo() throws InterruptedException {
            waiting.release();
            if (!go.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the call go on");
            }
        }

        private static void write(Page page, JsonNode note) {
            store(page, note).put(note.get("key").asText(), note.get("value").asText());
        }

        private static Store store(Page page, JsonNode note) {
            return switch (note.path("scope").asText()) {
                case "user" -> page.userStore();
                case "connection" -> page.connectionStore();
                default -> throw PageException.unprocessable("scope: user or connection");
            };
        }
    }

    /** A notes page: the page, and the note its close handler writes (or null). */
    private record Open(Page page, JsonNode onClose) {
    }
}
