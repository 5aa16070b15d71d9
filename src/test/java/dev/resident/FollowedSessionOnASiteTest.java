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
        Map<String, String> config = new HashMap<>(Map.of("resident.state.store", "nats",
                "resident.state.snapshot-interval", "100ms",
                // a process learns of the other's switch only by making it itself
                "resident.state.recheck", "1h",
                "legacy.upstream", legacy.url(),
                "resident.auth.mode", "legacy-session",
                "legacy.session.cookie", "legacy_sid",
                "legacy.session.introspect", "/app/whoami"));
        return new NatsSite(nats, config);
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
