package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import dev.resident.support.ThreadDump;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state store failing under a site: pages keep being served while NATS is away and their
 * snapshots are written once it is back; a snapshot that cannot be continued answers as an unknown
 * page, with a metric, never a 500.
 */
@Tag("slow")
@Timeout(120)
class StateFaultsTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The threads that talk to the state store: a failure prints where they stand. */
    private static final Pattern STATE_THREADS = Pattern.compile("resident-(lease|state|sweep)|nats|jnats");
    private static final Map<String, String> NATS_STATE = Map.of(
            "resident.state.store", "nats",
            "resident.state.snapshot-interval", "100ms",
            "resident.state.lease", "1s",
            "resident.state.request-timeout", "500ms");

    @Test
    void pagesAreServedWhileTheStoreIsAwayAndSavedWhenItIsBack() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            SavedPage saved = SavedPage.open(nats, site);
            NatsSite.Node p01 = saved.node();
            Browser browser = saved.browser();
            String pageId = saved.pageId();
            Observe observe = new Observe(p01.uri());

            nats.stop();
            for (int expected = 2; expected <= 4; expected++) {
                Reply reply = browser.rpc(pageId, "inc", null, null);
                assertEquals(200, reply.status(), "the page is served from memory: " + reply.body());
                assertEquals(expected, reply.json().get("result").asInt());
            }
            Eventually.await(PATIENCE, "ready DOWN and failed writes counted", () -> observe.readyStatus() == 503
                    && p01.counter("resident_state_write_failures_total") > 0
                    && p01.counter("resident_state_pending") > 0);

            nats.restart();
            Eventually.await(PATIENCE, "the snapshot written once NATS is back", () -> storeState(p01, observe) + "; " + jetStream(nats)
                            + "\nNATS log:\n" + nats.logTail(30) + "\n" + ThreadDump.of(STATE_THREADS),
                    () -> p01.counter("resident_state_pending") == 0 && observe.readyStatus() == 200);
            assertEquals(4, savedCount(nats, pageId), "the saved copy has every call");
        }
    }

    /**
     * While NATS restarts, its client refuses requests without sending them: a login then waits
     * for the link, up to the request timeout, instead of failing. Before, it answered 503 at once.
     */
    @Test
    void aLoginDuringANatsRestartWaitsForTheLink() throws Exception {
        Map<String, String> patient = new HashMap<>(NATS_STATE);
        patient.put("resident.state.request-timeout", "30s");
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, patient)) {
            NatsSite.Node p01 = site.start("p01");
            assertEquals(200, new Browser(p01.uri()).login("alice", "alice").status()); // the buckets exist

            nats.stop();
            Eventually.await(PATIENCE, "the link is down", () -> p01.counter("resident_bus_connected") == 0);
            CompletableFuture<Reply> login = CompletableFuture.supplyAsync(() -> new Browser(p01.uri()).login("bob", "bob"));
            // the process's lease renewal or state writer may be waiting for the link too
            Eventually.await(PATIENCE, "the login waits for the link",
                    () -> login.isDone() ? "answered " + login.join() : "waiting",
                    () -> !login.isDone() && p01.counter("resident_state_link_waiting") >= 1);

            nats.restart();
            Reply bob = login.get(30, TimeUnit.SECONDS);
            assertEquals(200, bob.status(), bob.body());
            assertEquals(0, p01.counter("resident_state_link_waiting"));
        }
    }

    /**
     * A page's first snapshot, which its open waits for, waits for the link during a NATS restart
     * as a login does; before, the client's refusal failed it at once and the open answered with
     * nothing stored, so a kill before the writer's next round lost the page.
     */
    @Test
    void aPageOpenedDuringANatsRestartIsStoredBeforeItAnswers() throws Exception {
        Map<String, String> patient = new HashMap<>(NATS_STATE);
        patient.put("resident.state.request-timeout", "30s");
        patient.put("resident.state.snapshot-interval", "1h"); // only the open's own write stores it
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, patient)) {
            NatsSite.Node p01 = site.start("p01");
            Browser alice = aliceOn(p01);
            alice.benchPage(); // the buckets exist

            nats.stop();
            Eventually.await(PATIENCE, "the link is down", () -> p01.counter("resident_bus_connected") == 0);
            CompletableFuture<String> open = CompletableFuture.supplyAsync(alice::benchPage);
            Eventually.await(PATIENCE, "the open waits for the link",
                    () -> open.isDone() ? "answered " + open.join() : "waiting",
                    () -> !open.isDone() && p01.counter("resident_state_link_waiting") >= 1);

            nats.restart();
            String pageId = open.get(30, TimeUnit.SECONDS);
            assertEquals(0, savedCount(nats, pageId), "stored when its open answered");
        }
    }

    /**
     * A drain that meets a NATS restart: the pages' last snapshots wait for the link, and the
     * process that continues them has every call answered before the drain. Before, each write
     * failed at once, the lease was released all the same, and p02 continued the older copy.
     */
    @Test
    void aDrainDuringANatsRestartKeepsEveryAnsweredCall() throws Exception {
        Map<String, String> patient = new HashMap<>(NATS_STATE);
        patient.put("resident.state.request-timeout", "30s");
        patient.put("resident.state.snapshot-interval", "1h"); // only the drain's writes store the calls
        patient.put("resident.shutdown.linger", "0s");
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, patient)) {
            NatsSite.Node p01 = site.start("p01");
            NatsSite.Node p02 = site.start("p02");
            Browser browser = new Browser(p01.uri());
            String pageId = browser.benchPage(); // stored with a count of 0
            for (int i = 1; i <= 5; i++) {
                assertEquals(i, browser.rpc(pageId, "inc", null, null).json().get("result").asInt());
            }

            nats.stop();
            Eventually.await(PATIENCE, "the link is down", () -> p01.counter("resident_bus_connected") == 0);
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> p01.resident().drainAndStop(p01.server()));
            Eventually.await(PATIENCE, "the drain's write waits for the link",
                    () -> drain.isDone() ? "drained" : "waiting",
                    () -> !drain.isDone() && p01.counter("resident_state_link_waiting") >= 1);

            nats.restart();
            drain.get(60, TimeUnit.SECONDS);
            assertEquals(5, savedCount(nats, pageId), "the drain stored every answered call");
            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(browser.connectionId());
            Reply[] last = new Reply[1];
            Eventually.await(PATIENCE, "p02 continues the page", () -> String.valueOf(last[0]),
                    () -> (last[0] = onP02.rpc(pageId, "inc", null, null)).status() == 200);
            assertEquals(6, last[0].json().get("result").asInt(), last[0].body());
        }
    }

    /**
     * A Store write that fails inside a page method leaves the call in doubt: the method may have
     * changed something before it, and NATS may have stored a write whose answer was lost. So the
     * answer is 500 {@code store_unavailable} (no Retry-After, nothing a proxy retries), which no client sends again by itself, over HTTP and
     * over the socket alike; not {@code unavailable}, which says that nothing ran.
     */
    @Test
    void aStoreWriteThatFailsInACallAnswersStoreUnavailable() throws Exception {
        // a method that changes the page's data, then writes the site's store
        PageTypes types = new PageTypes().register(PageType.builder("/ledger", (page, params) -> page)
                .method("record", (page, params) -> {
                    JsonNode entries = page.data().get("entries");
                    page.data().set("entries", entries == null ? 1 : entries.asInt() + 1);
                    page.globalStore().put("last", params.string("entry"));
                    return true;
                })
                .build());
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            Browser browser = new Browser(site.start("p01", types).uri());
            String ledger = browser.openPage("/ledger", null).get("page_id").asText();
            SocketClient socket = browser.socket(ledger);
            socket.next("hello");
            JsonNode entry = Json.object().put("entry", "coffee");
            Reply recorded = browser.rpc(ledger, "record", entry, null);
            assertEquals(200, recorded.status(), recorded.body());

            nats.stop();
            Reply refused = browser.rpc(ledger, "record", entry, null);
            assertError(refused, 500, "store_unavailable");
            assertEquals(null, refused.header("retry-after"), "nothing invites a retry");
            socket.send(Json.object().put("t", "rpc").put("id", 7).put("method", "record").set("params", entry));
            JsonNode error = socket.next("error");
            assertEquals("store_unavailable", error.path("code").asText(), error.toString());
            assertEquals(7, error.path("id").asInt());
            assertEquals(3, browser.get("/_/page?page_id=" + URLEncoder.encode(ledger, StandardCharsets.UTF_8)).json().path("data").path("entries").asInt(),
                    "the failed calls ran up to the store write: the client must not send them again blindly");
        }
    }

    /**
     * NATS may store a write and go away before it answers: the process writes again at the old
     * revision and is refused. Its own copy moved on, not another process's: the page stays.
     * The test stands in for the lost answer by storing the process's own copy once more.
     */
    @Test
    void aWriteStoredButNotAnsweredIsNotTakenForATakeover() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            SavedPage saved = SavedPage.open(nats, site);
            String key = key(saved.pageId());
            try (Connection client = Nats.connect(nats.url())) {
                KeyValue pages = client.keyValue(NatsSite.PREFIX + "_pages");
                pages.put(key, pages.get(key).getValue()); // the unanswered write
            }

            assertEquals(2, saved.inc());
            awaitNats(PATIENCE, "the second snapshot written over the process's own copy",
                    () -> savedCount(nats, saved.pageId()) == 2);
            assertEquals(3, saved.inc(), "the page stayed");
            assertEquals(0, saved.node().counter("resident_pages_lost_total"));
        }
    }

    /**
     * A page whose snapshot is larger than may be written is not written (over NATS past its
     * {@code max_payload} it never could be, and every round of writes failed with it, leaving the
     * other pages unsaved and the process not ready): counted, while the other pages are saved.
     */
    @Test
    void aPageTooLargeToSaveIsNotWrittenAndTheOthersStillAre() throws Exception {
        Map<String, String> bounded = new HashMap<>(NATS_STATE);
        bounded.put("resident.state.max-page-bytes", "4096");
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, bounded)) {
            NatsSite.Node p01 = site.start("p01");
            Browser browser = new Browser(p01.uri());
            String large = browser.openPage("/_bench", Json.object().put("note", "x".repeat(8_000)))
                    .get("page_id").asText();
            String small = browser.benchPage();
            assertEquals(1, browser.rpc(large, "inc").json().get("result").asInt());
            assertEquals(1, browser.rpc(small, "inc").json().get("result").asInt());
            awaitNats(PATIENCE, "the small page saved", () -> savedCount(nats, small) == 1);
            Eventually.await(PATIENCE, "the large page counted unsaved",
                    () -> p01.counter("resident_pages_unsaved_total") >= 1);
            assertEquals(-1, savedCount(nats, large), "the large page is not written");
            assertEquals(200, new Observe(p01.uri()).readyStatus(), "the process stays ready");
            assertEquals(2, browser.rpc(large, "inc").json().get("result").asInt(), "the large page goes on here");
        }
    }

    @Test
    void anUnusableSnapshotAnswersAsAnUnknownPage() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            NatsSite.Node p01 = site.start("p01");
            Browser browser = new Browser(p01.uri());
            String corrupt = browser.benchPage();
            String unknownType = browser.benchPage();
            Eventually.await(PATIENCE, "snapshots written", () -> p01.counter("resident_state_pending") == 0
                    && p01.counter("resident_state_writes_total") >= 3);
            p01.resident().drainAndStop(p01.server()); // a deploy: every page released
            try (Connection client = Nats.connect(nats.url())) {
                KeyValue pages = client.keyValue(NatsSite.PREFIX + "_pages");
                pages.put(key(corrupt), "{\"v\":1,\"id\":".getBytes(StandardCharsets.UTF_8));
                String saved = new String(pages.get(key(unknownType)).getValue(), StandardCharsets.UTF_8);
                pages.put(key(unknownType), saved.replace("\"/_bench\"", "\"/gone\"").getBytes(StandardCharsets.UTF_8));
            }

            NatsSite.Node p02 = site.start("p02");
            Browser elsewhere = new Browser(p02.uri());
            elsewhere.useSession(browser.connectionId());
            assertError(elsewhere.rpc(corrupt, "inc", null, null), 404, "unknown_page");
            assertError(elsewhere.rpc(unknownType, "inc", null, null), 404, "unknown_page");
            assertEquals(404, elsewhere.get("/_/page?page_id=" + java.net.URLEncoder.encode(corrupt,
                    StandardCharsets.UTF_8)).status());
            assertTrue(p02.counter("resident_pages_unusable_total") >= 2);
            assertTrue(elsewhere.benchPage().endsWith("|p02"), "the session itself is fine");
        }
    }

    @Test
    void aSessionNotWrittenYetSurvivesItsRecheck() throws Exception {
        Map<String, String> slowWriter = new java.util.HashMap<>(NATS_STATE);
        slowWriter.put("resident.state.snapshot-interval", "1h"); // only the recheck can touch the session
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, slowWriter)) {
            NatsSite.Node p01 = site.start("p01");
            Browser browser = new Browser(p01.uri());
            String pageId = browser.benchPage();
            // a process checks a session it holds against the shared store every 2 s: for 3 s of
            // calls, the session that the store does not have yet must stay
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int calls = 0;
            while (System.nanoTime() < end) {
                Reply reply = browser.rpc(pageId, "inc", null, null);
                assertEquals(200, reply.status(), "call " + calls + ": " + reply.body());
                calls++;
            }
            assertTrue(calls > 10, calls + " calls");
        }
    }

    /**
     * NATS may come back with nothing stored (no persistent volume, a store wiped): the process
     * makes its buckets again and is ready, instead of failing every request on buckets that are
     * gone (it stayed unready until restarted).
     */
    @Test
    void bucketsLostWithNatsAreMadeAgain() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            SavedPage saved = SavedPage.open(nats, site);
            NatsSite.Node p01 = saved.node();
            Observe observe = new Observe(p01.uri());
            nats.stop();
            nats.restartEmpty();
            try (Connection client = Nats.connect(nats.url())) {
                awaitNats(PATIENCE, "ready, with its lease in a bucket made again",
                        () -> storeState(p01, observe) + "; " + jetStream(nats) + "\n" + nats.logTail(20),
                        () -> observe.readyStatus() == 200 && lease(client, p01.process()) != null);
            }
            // what was saved is gone with NATS's store; what is saved from now on is kept
            Browser newcomer = new Browser(p01.uri());
            String fresh = newcomer.benchPage();
            assertEquals(200, newcomer.rpc(fresh, "inc", null, null).status());
            awaitNats(PATIENCE, "a new page saved in the pages bucket made again",
                    () -> savedCount(nats, fresh) == 1);
        }
    }

    /**
     * What a process holds outlives NATS coming back with nothing stored: its pages' and logins'
     * saved copies went with the store, and no mark says they ended, so the process writes them
     * again. Before, it took each for ended elsewhere: the page was dropped at its next write and
     * the login at its next check, and the user was logged out.
     */
    @Test
    void aLoginAndAPageHeldByAProcessOutliveNatsLosingItsStore() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            NatsSite.Node p01 = site.start("p01");
            Browser alice = aliceOn(p01);
            SavedPage saved = new SavedPage(p01, alice, alice.benchPage());
            assertEquals(1, saved.inc());
            awaitNats(PATIENCE, "first snapshot", () -> savedCount(nats, saved.pageId()) == 1);
            Observe observe = new Observe(p01.uri());

            nats.stop();
            nats.restartEmpty();
            Eventually.await(PATIENCE, "ready on the store made again", () -> storeState(p01, observe),
                    () -> observe.readyStatus() == 200);
            assertEquals(2, saved.inc(), "the page is served from memory meanwhile");
            // the user goes on: the page is written at its next snapshot, the login at its next check
            // against the store (every 2 s)
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger(2);
            awaitNats(PATIENCE, "the page and the login saved again",
                    () -> storeState(p01, observe) + ", page saved at " + savedCount(nats, saved.pageId())
                            + ", login saved " + connectionSaved(nats, alice.connectionId()),
                    () -> {
                        Reply call = alice.rpc(saved.pageId(), "inc", null, null);
                        if (call.status() == 503 && "unavailable".equals(call.errorCode())) {
                            return false; // a bucket found gone and made again: nothing ran, the client tries again
                        }
                        assertEquals(200, call.status(), "the page stays: " + call.body());
                        assertEquals(calls.incrementAndGet(), call.json().get("result").asInt());
                        return savedCount(nats, saved.pageId()) > 2 && connectionSaved(nats, alice.connectionId());
                    });
            assertEquals("alice", alice.openPage("/_bench", null).get("user").asText(), "still logged in");
            Browser elsewhere = site.start("p02").browser();
            elsewhere.useSession(alice.connectionId());
            assertEquals("alice", elsewhere.openPage("/_bench", null).get("user").asText(),
                    "another process finds the login saved again");
        }
    }

    /**
     * The other side of writing again what went with the store: a login ended on another process
     * leaves a mark, and the process that still holds it drops it at its next check instead of
     * saving it again.
     */
    @Test
    void aLogoutOnAnotherProcessEndsTheLoginHeldHere() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, NATS_STATE)) {
            NatsSite.Node p01 = site.start("p01");
            Browser alice = aliceOn(p01);
            String session = alice.connectionId();
            String pageId = alice.benchPage();
            awaitNats(PATIENCE, "the login saved", () -> connectionSaved(nats, session));
            Browser sameBrowserElsewhere = site.start("p02").browser();
            sameBrowserElsewhere.useSession(session);
            assertEquals(204, sameBrowserElsewhere.post("/_/logout", "").status());
            // p01 checks the login it holds against the store every 2 s: it ends there, with its page
            Eventually.await(PATIENCE, "the login ended on p01 too",
                    () -> alice.rpc(pageId, "inc", null, null).status() == 404);
            assertTrue(!connectionSaved(nats, session), "not saved again");
        }
    }

    /**
     * The process's NATS connection is made after its registry: a first lease taken on the
     * starting thread waited the whole request timeout for it, on every start.
     */
    @Test
    @Timeout(60)
    void aProcessStartsWithoutWaitingForItsFirstLease() throws Exception {
        Map<String, String> patient = new java.util.HashMap<>(NATS_STATE);
        patient.put("resident.state.request-timeout", "10m");
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, patient)) {
            NatsSite.Node p01 = site.start("p01");
            Observe observe = new Observe(p01.uri());
            Eventually.await(PATIENCE, "ready", () -> observe.readyStatus() == 200);
            try (Connection client = Nats.connect(nats.url())) {
                awaitNats(PATIENCE, "the lease taken", () -> lease(client, p01.process()) != null);
            }
        }
    }

    /**
     * A drain gives up the process's lease with its pages, and the lease stays given up while the
     * process lingers for requests that still come. Before, the renewal timer took the lease back
     * within a third of the lease, so another process waited for it to run out after the stop
     * before it continued a page whose release was not written.
     */
    @Test
    @Timeout(60)
    void aDrainedProcessDoesNotTakeItsLeaseBackWhileItLingers() throws Exception {
        Map<String, String> lingering = new HashMap<>(NATS_STATE); // a lease of 1 s, renewed every 333 ms
        lingering.put("resident.shutdown.linger", "20s");
        try (NatsTestServer nats = new NatsTestServer("-js");
             NatsSite site = new NatsSite(nats, lingering);
             Connection client = Nats.connect(nats.url())) {
            NatsSite.Node p01 = site.start("p01");
            awaitNats(PATIENCE, "the lease taken", () -> lease(client, p01.process()) != null);
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> p01.resident().drainAndStop(p01.server()));
            Eventually.await(PATIENCE, "released", () -> p01.resident().lifecycle().released());

            // two threads of their own keep requests coming, so the process lingers however slowly the
            // lease is read here (the linger ends after 250 ms without a request)
            AtomicBoolean watching = new AtomicBoolean(true);
            AtomicReference<String> notDrained = new AtomicReference<>();
            List<Thread> requesters = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                requesters.add(Thread.ofPlatform().start(() -> {
                    Observe observe = new Observe(p01.uri());
                    while (watching.get()) {
                        try {
                            int status = observe.readyStatus();
                            if (status != 503) {
                                notDrained.compareAndSet(null, "ready answered " + status + " while lingering");
                            }
                        } catch (RuntimeException e) { // the linger ended, or never began
                            notDrained.compareAndSet(null, "no answer while lingering: " + e);
                            return;
                        }
                    }
                }));
            }
            long lingerWatched = System.nanoTime() + Duration.ofMillis(1500).toNanos(); // four renewals' time
            while (System.nanoTime() < lingerWatched) {
                assertFalse(held(lease(client, p01.process())), "the lease taken back while lingering");
            }
            watching.set(false);
            for (Thread requester : requesters) {
                requester.join();
            }
            assertEquals(null, notDrained.get());
            drain.get(30, TimeUnit.SECONDS); // no more requests: the linger ends
        }
    }

    /** A page on a process {@code p01} of the site, called once, whose snapshot holds that call. */
    private record SavedPage(NatsSite.Node node, Browser browser, String pageId) {
        static SavedPage open(NatsTestServer nats, NatsSite site) {
            NatsSite.Node p01 = site.start("p01");
            Browser browser = new Browser(p01.uri());
            String pageId = browser.benchPage();
            SavedPage saved = new SavedPage(p01, browser, pageId);
            assertEquals(1, saved.inc());
            awaitNats(PATIENCE, "first snapshot", () -> p01.counter("resident_state_pending") == 0
                    && savedCount(nats, pageId) == 1);
            return saved;
        }

        /** Calls {@code inc}, the bench page's counter; its result. */
        int inc() {
            return browser.rpc(pageId, "inc", null, null).json().get("result").asInt();
        }
    }

    private static String storeState(NatsSite.Node node, Observe observe) {
        return "pending " + node.counter("resident_state_pending") + ", ready " + observe.readyStatus()
                + ", reachable " + node.counter("resident_state_reachable")
                + ", bus connected " + node.counter("resident_bus_connected")
                + ", writes " + node.counter("resident_state_writes_total")
                + ", failed writes " + node.counter("resident_state_write_failures_total");
    }

    /** What the NATS server says of its JetStream then: whether the client or the server is stuck. */
    private static String jetStream(NatsTestServer nats) {
        try {
            var jsz = nats.monitor("/jsz");
            return "NATS healthz " + nats.monitor("/healthz") + ", JetStream streams " + jsz.path("streams")
                    + ", messages " + jsz.path("messages") + ", api " + jsz.path("api");
        } catch (RuntimeException e) {
            return "NATS monitor not readable: " + e;
        }
    }

    /** The process's lease, or null while there is none or no bucket for leases. */
    private static KeyValueEntry lease(Connection client, String process) {
        return entry(client, "processes", process);
    }

    /** Whether a lease entry names a live holder: one given up by a drain says {@code released <instance>}. */
    private static boolean held(KeyValueEntry lease) {
        return lease != null && !lease.getValueAsString().startsWith("released ");
    }

    /** The count in the page's saved copy, or -1 while there is none. */
    private static int savedCount(NatsTestServer nats, String pageId) {
        try (Connection client = Nats.connect(nats.url())) {
            KeyValueEntry entry = entry(client, "pages", key(pageId));
            return entry == null ? -1 : Json.parse(entry.getValue()).path("data").path("count").asInt();
        } catch (java.io.IOException unanswered) {
            throw new NatsUnanswered(unanswered);
        } catch (NatsUnanswered e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A browser logged in as alice on {@code node}. */
    private static Browser aliceOn(NatsSite.Node node) {
        Browser alice = new Browser(node.uri());
        assertEquals(200, alice.login("alice", "alice").status());
        return alice;
    }

    /** Whether session {@code id} is saved (a login or logout leaves only a mark without {@code key} under the id it replaced). */
    private static boolean connectionSaved(NatsTestServer nats, String id) {
        try (Connection client = Nats.connect(nats.url())) {
            KeyValueEntry entry = entry(client, "connections", id);
            return entry != null && Json.parse(entry.getValue()).has("key");
        } catch (java.io.IOException unanswered) {
            throw new NatsUnanswered(unanswered);
        } catch (NatsUnanswered e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The entry under {@code key} in the site's {@code bucket}, or null while the key or the bucket is missing. */
    private static KeyValueEntry entry(Connection client, String bucket, String key) {
        String name = NatsSite.PREFIX + "_" + bucket;
        try {
            return client.keyValueManagement().getBucketNames().contains(name) ? client.keyValue(name).get(key) : null;
        } catch (java.io.IOException unanswered) {
            throw new NatsUnanswered(unanswered);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A JetStream request of the test's own client that timed out (a loaded machine, a server just started). */
    private static final class NatsUnanswered extends RuntimeException {
        NatsUnanswered(java.io.IOException cause) {
            super(cause);
        }
    }

    /** {@link Eventually#await}, where a JetStream request of the test that timed out counts as "not yet". */
    private static void awaitNats(Duration timeout, String what, java.util.function.BooleanSupplier condition) {
        awaitNats(timeout, what, () -> "", condition);
    }

    private static void awaitNats(Duration timeout, String what, java.util.function.Supplier<String> state,
                                  java.util.function.BooleanSupplier condition) {
        Eventually.await(timeout, what, state, () -> {
            try {
                return condition.getAsBoolean();
            } catch (NatsUnanswered notYet) {
                return false;
            }
        });
    }

    private static String key(String pageId) {
        return pageId.substring(0, pageId.indexOf('|'));
    }
}
