package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.MainProcess;
import dev.resident.support.Observe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static dev.resident.DurableProcesses.awaitSaved;
import static dev.resident.DurableProcesses.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State that outlives its process, with the real {@code Main} in a child JVM and its embedded
 * store, killed (-9) at once: what was answered survives without waiting for the state writer's
 * round, the state file is shrunk at the next start, and a client naming the lost page's epoch is
 * told to reload. (A restart: {@link DurableStateRestartTest}; a site: {@link DurableStateOnASiteTest}.)
 */
@Tag("slow")
@Timeout(180)
class DurableStateKillTest {
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
}
