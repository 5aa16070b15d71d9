package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.GunicornProcess;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import dev.resident.support.TestServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session that follows the legacy app's ({@code resident.auth.mode: legacy-session}) on a site of
 * two processes that both hold it: a switch of the legacy session to another user is made by each
 * process at its next request there, under the same session id, and both must make the same
 * switch. The connection's {@code Store} is kept under the session's tenure, which a switch to
 * another user renews: two processes that each gave it a tenure of their own split the new
 * user's store in two; and a logout there made it a random guest on each process, so the session
 * went from one guest to the other with every write of it.
 */
@Timeout(120)
class FollowedSessionOnASiteTest {
    private static GunicornProcess legacy;

    @BeforeAll
    static void startLegacy() {
        legacy = new GunicornProcess(Map.of("RESIDENT_ADMIN_TOKEN", TestServers.ADMIN_TOKEN));
    }

    @AfterAll
    static void stopLegacy() {
        legacy.close();
    }

    @Test
    void aSwitchToAnotherUserThatBothProcessesMakeLeavesHimOneStore() {
        switchOnBothProcesses(legacySession("bob"), "bob");
    }

    /** The legacy session ends: both processes make the session a guest's, the same guest. */
    @Test
    void aLogoutThatBothProcessesFollowLeavesOneGuestWithOneStore() {
        switchOnBothProcesses("ended", null);
    }

    /**
     * p02 switched alice's session to bob; p01, which still holds it as alice's (it has not
     * checked the session since), then writes its copy, after a request there with alice's
     * legacy session (what her page's socket there sends when it asks its session again). That
     * copy must not undo the switch: p02, checking the session against the store at bob's next
     * request, would take it back to alice's, which ends bob's pages there, and lets page code
     * running there meanwhile see alice as its user.
     */
    @Test
    void aCopyFromBeforeASwitchElsewhereDoesNotUndoIt() {
        try (NatsTestServer nats = new NatsTestServer("-js");
             // p01 learns of p02's switch only by making it itself; p02 checks the session often
             NatsSite first = new NatsSite(nats, config("1h"));
             NatsSite second = new NatsSite(nats, config("300ms"))) {
            NatsSite.Node p01 = first.start("p01", notes());
            NatsSite.Node p02 = second.start("p02", notes());
            String alice = legacySession("alice");
            Browser browser = at(p01, null, alice);
            String herPage = browser.openPage("/notes", null).get("page_id").asText();
            String session = browser.connectionId();
            saved(p01);

            Browser bob = at(p02, session, legacySession("bob"));
            String bobsPage = bob.openPage("/notes", null).get("page_id").asText();
            saved(p02);
            assertEquals("bob", user(bob, bobsPage));
            Browser herSocket = at(p01, session, alice);
            // a read changes nothing but the session's last use: written once its copy is due a refresh
            Eventually.await(Duration.ofSeconds(30), "p01 has its copy of the session queued for a write",
                    () -> herSocket.get("/_/page?page_id=" + herPage.replace("|", "%7C")).status() == 200
                            && p01.counter("resident_state_pending") > 0);
            saved(p01);

            assertEquals("bob", user(bob, bobsPage), "bob's page goes on, as his");
        }
    }

    /**
     * A process switched the session to bob, and writes it in its next round of writes; a request
     * before then checks the session against the store, which still holds alice's copy, the one
     * this process read before its switch. It tells nothing new: taken for a switch made elsewhere,
     * it made the session alice's again, which ended bob's page, until the request's own lookup of
     * the legacy session switched it back.
     */
    @Test
    void aSwitchNotWrittenYetIsNotUndoneByTheCopyItReplaced() {
        Map<String, String> config = config("1ms"); // a check at every request
        config.put("resident.state.snapshot-interval", "10s"); // the switch waits up to 5 s for its write
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = new NatsSite(nats, config)) {
            NatsSite.Node p01 = site.start("p01", notes());
            Browser browser = at(p01, null, legacySession("alice"));
            assertEquals("alice", browser.openPage("/notes", null).get("user").asText());
            String session = browser.connectionId();
            saved(p01);
            Browser bob = at(p01, session, legacySession("bob"));
            String page = bob.openPage("/notes", null).get("page_id").asText();
            assertEquals("bob", user(bob, page), "bob's page goes on, as his");
        }
    }

    /**
     * p01 switched alice's session to bob and has not written the switch yet (its round of writes
     * is far off); p02, which holds the session as alice's, writes its copy meanwhile (a refresh
     * of its last use: its revision is still the one in the store, so nothing refuses it). p01's
     * check of the session at bob's next request finds a copy newer than the one it read, of the
     * tenure p01 moved the session on from: a copy from before p01's own switch, not a switch made
     * elsewhere. Taken for one, it made the session alice's again, which ended bob's page there.
     */
    @Test
    void aCopyWrittenElsewhereBeforeASwitchIsWrittenDoesNotUndoIt() {
        Map<String, String> first = config("1ms"); // a check at every request
        first.put("resident.state.snapshot-interval", "1h"); // the switch is not written within the test
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite one = new NatsSite(nats, first);
             NatsSite two = new NatsSite(nats, config("1h"))) {
            NatsSite.Node p01 = one.start("p01", notes());
            NatsSite.Node p02 = two.start("p02", notes());
            String alice = legacySession("alice");
            Browser browser = at(p01, null, alice);
            assertEquals("alice", browser.openPage("/notes", null).get("user").asText()); // stored with its page
            String session = browser.connectionId();
            Browser herSocket = at(p02, session, alice);
            String herPage = herSocket.openPage("/notes", null).get("page_id").asText();
            saved(p02);

            Browser bob = at(p01, session, legacySession("bob"));
            String bobsPage = bob.openPage("/notes", null).get("page_id").asText();
            assertEquals("bob", user(bob, bobsPage));
            // a read changes nothing but the session's last use: written once its copy is due a refresh
            Eventually.await(Duration.ofSeconds(30), "p02 has its copy of the session queued for a write",
                    () -> herSocket.get("/_/page?page_id=" + herPage.replace("|", "%7C")).status() == 200
                            && p02.counter("resident_state_pending") > 0);
            saved(p02);

            assertEquals("bob", user(bob, bobsPage), "bob's page goes on, as his");
        }
    }

    /**
     * As above, for a guest's session that logs in on p01 (a guest's login keeps the tenure): p02's
     * copy of the guest, written before p01 wrote the login, took the session back to the guest's
     * at p01's next check, which ended alice's page there.
     */
    @Test
    void aGuestsCopyWrittenElsewhereBeforeItsLoginIsWrittenDoesNotUndoIt() {
        Map<String, String> first = config("1ms");
        first.put("resident.state.snapshot-interval", "1h");
        first.put("resident.connections.guest-ttl", "8s");
        Map<String, String> second = config("1h");
        second.put("resident.connections.guest-ttl", "8s"); // a guest's session is written again once a second of use
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite one = new NatsSite(nats, first);
             NatsSite two = new NatsSite(nats, second)) {
            NatsSite.Node p01 = one.start("p01", notes());
            NatsSite.Node p02 = two.start("p02", notes());
            Browser browser = at(p01, null, "ended");
            assertTrue(browser.openPage("/notes", null).get("user").asText().startsWith("guest_"));
            String session = browser.connectionId();
            Browser guestsSocket = at(p02, session, "ended");
            String guestsPage = guestsSocket.openPage("/notes", null).get("page_id").asText();
            saved(p02);

            Browser alice = at(p01, session, legacySession("alice"));
            String herPage = alice.openPage("/notes", null).get("page_id").asText();
            assertEquals("alice", user(alice, herPage));
            Eventually.await(Duration.ofSeconds(30), "p02 has its copy of the session queued for a write",
                    () -> guestsSocket.get("/_/page?page_id=" + guestsPage.replace("|", "%7C")).status() == 200
                            && p02.counter("resident_state_pending") > 0);
            saved(p02);

            assertEquals("alice", user(alice, herPage), "her page goes on, as hers");
        }
    }

    /**
     * Alice's session is held by p01 and p02; its legacy session becomes {@code next} (of
     * {@code user}, null: a guest), which its next request tells p02 and the one after p01. What
     * the new holder's page on p02 puts in the connection's store, its page on p01 reads.
     */
    private static void switchOnBothProcesses(String next, String user) {
        try (NatsTestServer nats = new NatsTestServer("-js"); NatsSite site = site(nats)) {
            NatsSite.Node p01 = site.start("p01", notes());
            NatsSite.Node p02 = site.start("p02", notes());
            String alice = legacySession("alice");
            Browser first = at(p01, null, alice);
            assertEquals("alice", first.openPage("/notes", null).get("user").asText());
            String session = first.connectionId();
            saved(p01);
            assertEquals("alice", at(p02, session, alice).openPage("/notes", null).get("user").asText());
            saved(p02);

            Browser onP02 = at(p02, session, next);
            JsonNode opened = onP02.openPage("/notes", null);
            String holder = opened.get("user").asText();
            assertTrue(user == null ? holder.startsWith("guest_") : holder.equals(user), holder);
            assertEquals(200, onP02.rpc(opened.get("page_id").asText(), "put", Json.object().put("scope", "connection")
                    .put("key", "draft").put("value", "the next holder's draft"), null).status());
            saved(p02);
            Browser onP01 = at(p01, session, next);
            opened = onP01.openPage("/notes", null);
            assertEquals(holder, opened.get("user").asText(), "one holder on both processes");
            Reply read = onP01.rpc(opened.get("page_id").asText(), "get",
                    Json.object().put("scope", "connection").put("key", "draft"), null);
            assertEquals(200, read.status(), read.body());
            assertEquals("the next holder's draft", read.json().get("result").asText(), "one store on both processes");
        }
    }

    private static NatsSite site(NatsTestServer nats) {
        return new NatsSite(nats, config("1h")); // a process learns of the other's switch only by making it itself
    }

    /**
     * Processes following the legacy app's sessions, checking a session they hold against the
     * store every {@code recheck}; a user's session is written again once a second of use (an
     * eighth of its ttl).
     */
    private static Map<String, String> config(String recheck) {
        Map<String, String> config = new HashMap<>(Map.of("resident.state.store", "nats",
                // a round of writes a second: a copy queued for one stays seen (pending) long enough
                // to be seen on a loaded machine
                "resident.state.snapshot-interval", "1s",
                "resident.state.recheck", recheck,
                "resident.connections.user-ttl", "8s",
                "legacy.upstream", legacy.url(),
                "resident.auth.mode", "legacy-session",
                "legacy.session.cookie", "legacy_sid",
                "legacy.session.introspect", "/app/whoami"));
        return config;
    }

    /** The user of the page, as the browser's session is now; fails unless the page answers. */
    private static String user(Browser browser, String page) {
        Reply snapshot = browser.get("/_/page?page_id=" + page.replace("|", "%7C"));
        assertEquals(200, snapshot.status(), snapshot.body());
        return snapshot.json().get("user").asText();
    }

    private static PageTypes notes() {
        return new PageTypes().register(StoresTest.NotesPage.type());
    }

    /** The {@code legacy_sid} of a new legacy session of {@code user}. */
    private static String legacySession(String user) {
        Browser browser = new Browser(URI.create(legacy.url()));
        assertEquals(200, browser.get("/app/login?user=" + user).status());
        return browser.cookie("legacy_sid");
    }

    /**
     * The browser, its request sent to {@code process} by the balancer: Resident's session
     * {@code session} (null: none yet) and the legacy session {@code legacySid}.
     */
    private static Browser at(NatsSite.Node process, String session, String legacySid) {
        Browser browser = new Browser(process.uri());
        if (session != null) {
            browser.useSession(session);
        }
        browser.setCookie("legacy_sid", legacySid);
        return browser;
    }

    /** Waits until the process has stored the session and its pages. */
    private static void saved(NatsSite.Node process) {
        Eventually.await(Duration.ofSeconds(10), process.process() + " saved the session",
                () -> process.counter("resident_state_pending") == 0);
    }
}
