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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.resident.DurableProcesses.PATIENCE;
import static dev.resident.DurableProcesses.awaitSaved;
import static dev.resident.DurableProcesses.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * State that outlives its process on a site (NATS KV), with the real {@code Main} in child JVMs:
 * the pages of a process killed (-9), paused past its lease or drained are continued by another,
 * one process at most runs a page, and calls across a drain are neither lost nor run twice.
 * (One process: {@link DurableStateRestartTest}, {@link DurableStateKillTest}.)
 */
@Tag("slow")
@Timeout(180)
class DurableStateOnASiteTest {
    /**
     * A page opened by a new guest just before a kill, as in {@link DurableStateKillTest}, on a site:
     * the page's process is killed at once, and another continues the page.
     */
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
     * A process paused for longer than its pages' idle time (a machine suspended, a VM stunned):
     * another continues its page meanwhile, and the paused one, when it runs again, finds its old
     * copy expired at its next sweep. Its copy is another process's page now: dropping it must
     * leave the saved page alone. Before, the sweep closed it for good, which deleted the saved
     * copy that p02 runs, and p02 dropped the page at its next write: its user's page ended.
     */
    @Test
    void aProcessBackFromAPauseLongerThanAPagesIdleTimeLeavesThePageContinuedElsewhere(@TempDir Path dir)
            throws Exception {
        Duration idleTtl = Duration.ofSeconds(4);
        String yaml = leases().replace("resident:\n", "resident:\n  sweep-interval: 200ms\n  pages:\n    idle-ttl: "
                + idleTtl.toSeconds() + "s\n");
        try (NatsTestServer nats = new NatsTestServer("-js");
             MainProcess p01 = MainProcess.start(site(nats, "p01"), yaml, dir);
             MainProcess p02 = MainProcess.start(site(nats, "p02"), yaml, dir);
             Connection client = Nats.connect(nats.url())) {
            Browser onP01 = new Browser(p01.uri());
            String pageId = alicesPageCountedToThree(onP01);
            long lastCallOnP01 = System.nanoTime();
            KeyValue pages = client.keyValue("durable_pages");
            String key = pageId.substring(0, pageId.indexOf('|'));

            p01.pause();
            Browser onP02 = new Browser(p02.uri());
            onP02.useSession(onP01.connectionId());
            Reply continued = await(() -> onP02.rpc(pageId, "inc", null, null)); // once p01's lease ran out
            assertEquals(4, continued.json().get("result").asInt());
            String newId = continued.json().get("page_id").asText();
            SocketClient socket = onP02.socket(newId); // its tab is open: the page never expires on p02
            socket.next("hello");
            // the pause lasts until p01's copy has been idle past its time
            Eventually.await(PATIENCE, "p01's copy idle past its time",
                    () -> System.nanoTime() - lastCallOnP01 > idleTtl.plusSeconds(1).toNanos());
            p01.resume();
            Observe p01Meters = new Observe(p01.uri());
            Eventually.await(PATIENCE, "p01 let its old copy go", () -> p01Meters.metric("resident_pages_expired_total")
                    + p01Meters.metric("resident_pages_lost_total") >= 1);

            KeyValueEntry saved = pages.get(key);
            assertTrue(saved != null && saved.getValue() != null, "p02's page is still saved: " + saved);
            socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
            assertEquals(5, socket.next("result").path("result").asInt());
            awaitSaved(p02.uri());
            assertEquals(6, onP02.incBench(newId, 1), "the page goes on on p02");
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
