package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.engine.ResidentPage;
import dev.resident.support.Browser;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.TestServers;
import dev.resident.task.TaskType;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A resync whose reload ({@code GET /_/page}) or job check ({@code GET /_/jobs/{id}}) fails for a
 * while, in {@code resident.js}: it is tried again after the backoff until it succeeds. Before, a
 * failed reload was dropped: on a socket the page stayed online with its stale data (and no
 * {@code resync} event) until another message happened to come, and over long-poll each poll
 * answered {@code resync} again at once and the reload failed again, as fast as the server
 * answered; a failed job check left {@code page.job(id)} waiting for an end it had already missed.
 * The reload here fails as a busy page answers it (429 {@code rate_limited}: a call holds the page
 * and {@code max-pending-rpc} is 1), the job check as a request lost on the network. A reload or a
 * poll answered with an error that asking again will not change (a 400: the answer of a gateway
 * in front, which the test's fetch stands in for) ends the page instead, with the reason: before,
 * the reload was tried again for good, every {@code maxRetryMs}, and so was the poll. A sign-on
 * gateway's 403 (Resident never answers these reads so) is waited out, as its login page is.
 */
@Tag("slow")
@Timeout(120)
class ResyncInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Messages a page keeps: a client further behind resyncs. */
    private static final int HISTORY = 2;
    /**
     * Counts what the client asks (page reads by status, polls answered with a resync) and lets the
     * test cut polls and job reads as a lost network would, or answer page reads and polls itself
     * ({@code window.pageReadAnswer}, {@code window.pollAnswer}: {@code [status, body]}) as a gateway
     * in front would; notes the page's states with their reasons; opens a page ({@code arguments[0]}: on
     * a socket or not) and waits until it is online.
     */
    private static final String OPEN = """
            const done = arguments[arguments.length - 1];
            const websocket = arguments[0];
            window.reads = [];
            window.resyncPolls = 0;
            window.pollsCut = false;
            window.cutPolls = 0;
            window.jobReadsToFail = 0;
            window.pageReadAnswer = null;
            window.pollAnswer = null;
            const answer = ([status, body]) => new Response(body, { status, headers: { 'Content-Type': 'application/json' } });
            const fetchAsBefore = window.fetch;
            window.fetch = async (url, init) => {
              const path = String(url);
              if (path.startsWith('/_/poll') && window.pollsCut) {
                window.cutPolls++;
                throw new TypeError('Failed to fetch (cut by the test)');
              }
              if (path.startsWith('/_/jobs/') && window.jobReadsToFail > 0) {
                window.jobReadsToFail--;
                throw new TypeError('Failed to fetch (cut by the test)');
              }
              const response = path.startsWith('/_/page?') && window.pageReadAnswer ? answer(window.pageReadAnswer)
                  : path.startsWith('/_/poll') && window.pollAnswer ? answer(window.pollAnswer)
                  : await fetchAsBefore(url, init);
              if (path.startsWith('/_/page?')) window.reads.push(response.status);
              if (path.startsWith('/_/poll') && response.ok && (await response.clone().json().catch(() => ({}))).resync) window.resyncPolls++;
              return response;
            };
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/held', {}, { websocket, retryMs: 50, maxRetryMs: 200 });
              window.page = page;
              window.resyncs = 0;
              page.on('resync', () => window.resyncs++);
              window.states = [];
              page.on('state', (state, reason) => window.states.push(state + ': ' + reason));
              if (page.state === 'online') done(page.id);
              else page.on('state', state => { if (state === 'online') done(page.id); });
            });
            """;
    /** A call that holds the page until the test lets it end, sent without {@code after}: its reply asks for no resync. */
    private static final String HOLD = """
            fetch('/_/rpc', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ page_id: window.page.id, method: 'hold' }) });
            """;

    private static final Semaphore HOLDING = new Semaphore(0);
    private static volatile CountDownLatch holdMayEnd = new CountDownLatch(0);
    private static final CountDownLatch JOB_MAY_END = new CountDownLatch(1);
    private static Resident resident;
    private static WebServer server;
    private static URI uri;
    private static Chrome chrome;

    @BeforeAll
    static void start() {
        PageTypes types = new PageTypes().register(PageType.builder("/held", (page, params) -> page)
                .method("hold", (page, params) -> {
                    HOLDING.release();
                    holdMayEnd.await();
                    return "held";
                })
                .method("start", (page, params) -> page.submit("wait", null))
                .build());
        resident = TestServers.resident(Map.of("resident.pages.history.max-messages", Integer.toString(HISTORY),
                "resident.limits.max-pending-rpc", "1"), types);
        resident.taskTypes().register(TaskType.builder("wait", (params, task) -> {
            JOB_MAY_END.await();
            return "waited";
        }).build());
        server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        uri = URI.create("http://localhost:" + server.port());
        chrome = Chrome.start();
    }

    @AfterAll
    static void stop() {
        holdMayEnd.countDown();
        JOB_MAY_END.countDown();
        try (Chrome browser = chrome) {
            server.stop();
            resident.close();
        }
    }

    @BeforeEach
    void freshTab() {
        chrome.driver().get(uri.resolve("/_/resident.js").toString());
        chrome.driver().executeScript("localStorage.removeItem('test.refuse-websocket')");
        holdMayEnd = new CountDownLatch(1);
    }

    @AfterEach
    void endTheHold() {
        holdMayEnd.countDown(); // a test that failed midway leaves no call holding its page
    }

    @Test
    void aReloadRefusedOnASocketIsTriedAgainUntilTheDataIsReloaded() throws Exception {
        String pageId = (String) chrome.driver().executeAsyncScript(OPEN, true);
        awayFromTheSocket(pageId);
        broadcast(HISTORY + 1); // more than the page keeps: its client resyncs when it is back
        hold();
        chrome.driver().executeScript("localStorage.removeItem('test.refuse-websocket')");
        Eventually.await(PATIENCE, "a reload refused", () -> reads().contains(429L));

        holdMayEnd.countDown();
        long seq = serverPage(pageId).seq();
        Eventually.await(PATIENCE, "the data reloaded", this::clientState,
                () -> clientState().equals("online, seq " + seq + ", resyncs 1"));
    }

    @Test
    void aReloadRefusedOverLongPollIsTriedAgainWithoutPollingInALoop() throws Exception {
        String pageId = (String) chrome.driver().executeAsyncScript(OPEN, false);
        chrome.driver().executeScript("window.pollsCut = true");
        broadcast(1); // answers the poll waiting on the server; the polls after it are cut
        Eventually.await(PATIENCE, "the client behind a cut poll", this::clientState,
                () -> ((Number) chrome.driver().executeScript("return window.cutPolls;")).longValue() > 0
                        && ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue() == 1);
        broadcast(HISTORY + 1);
        hold();
        chrome.driver().executeScript("window.pollsCut = false");
        Eventually.await(PATIENCE, "three reloads refused", () -> reads().stream().filter(s -> s == 429L).count() >= 3);
        assertEquals(1L, chrome.driver().executeScript("return window.resyncPolls;"),
                "while the reload fails the client waits for it, and polls no more");

        holdMayEnd.countDown();
        long seq = serverPage(pageId).seq();
        Eventually.await(PATIENCE, "the data reloaded", this::clientState,
                () -> clientState().equals("online, seq " + seq + ", resyncs 1"));
    }

    @Test
    void aJobCheckLostAfterAResyncIsAskedAgainAndTheWaitEnds() throws Exception {
        String pageId = (String) chrome.driver().executeAsyncScript(OPEN, true);
        chrome.driver().executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                window.jobOutcome = null;
                window.page.rpc('start', {}).then(jobId => {
                  window.page.job(jobId).then(result => { window.jobOutcome = 'done ' + result; },
                      error => { window.jobOutcome = error.code; });
                  done(jobId);
                });
                """);
        awayFromTheSocket(pageId);
        JOB_MAY_END.countDown();
        ResidentPage page = serverPage(pageId);
        Eventually.await(PATIENCE, "the job's end sent to the page",
                () -> page.after(Math.max(0, page.seq() - 1)).messages().stream()
                        .anyMatch(m -> m.contains("\"state\":\"done\"")));
        broadcast(HISTORY + 1); // the end is no longer kept: only asking for the job finds it
        chrome.driver().executeScript("window.jobReadsToFail = 1");
        chrome.driver().executeScript("localStorage.removeItem('test.refuse-websocket')");

        Eventually.await(PATIENCE, "the wait ended", () -> "done waited".equals(
                chrome.driver().executeScript("return window.jobOutcome;")));
        assertEquals(0L, chrome.driver().executeScript("return window.jobReadsToFail;"), "the first job read was lost");
        assertEquals(1L, chrome.driver().executeScript("return window.resyncs;"));
    }

    @Test
    void aReloadThatASignOnGatewayRefusesWaitsForItAndGoesOnWhereItWas() {
        String pageId = (String) chrome.driver().executeAsyncScript(OPEN, true);
        awayFromTheSocket(pageId);
        broadcast(HISTORY + 1); // more than the page keeps: its client resyncs when it is back
        chrome.driver().executeScript("""
                window.pageReadAnswer = [403, '{"error":{"code":"forbidden","message":"sign in again"}}'];
                localStorage.removeItem('test.refuse-websocket');
                """);

        Eventually.await(PATIENCE, "the gateway's refusal shown", () -> chrome.strings("window.states").toString(),
                () -> chrome.strings("window.states").contains("reconnecting: sign in again"));
        assertEquals(403L, reads().getFirst());
        assertTrue(clientState().startsWith("reconnecting"), clientState());
        chrome.driver().executeScript("window.pageReadAnswer = null"); // the user signed in again
        Eventually.await(PATIENCE, "the page reloaded", () -> reads().contains(200L));
        Eventually.await(PATIENCE, "the page online", this::clientState, () -> clientState().startsWith("online"));
        assertEquals(1L, chrome.driver().executeScript("return window.resyncs;"));
        assertTrue(callOutcome().startsWith("ran "), "the page goes on: a call runs");
    }

    @Test
    void aPollAnsweredWithAnErrorThatWillNotChangeEndsThePageWithIt() {
        chrome.driver().executeAsyncScript(OPEN, false);
        chrome.driver().executeScript("""
                window.pollAnswer = [400, '{"error":{"code":"bad_request","message":"not a poll this gateway lets through"}}'];
                """);
        broadcast(1); // answers the poll waiting on the server; the next one is the gateway's 400

        Eventually.await(PATIENCE, "the page ended", this::clientState, () -> clientState().startsWith("offline"));
        assertEquals("offline: not a poll this gateway lets through", chrome.strings("window.states").getLast());
        assertEquals("bad_request", callOutcome());
    }

    @Test
    void aPollAnsweredEmptyByAProxyIsWaitedOut() {
        chrome.driver().executeAsyncScript(OPEN, false);
        chrome.driver().executeScript("window.pollAnswer = [204, null]");
        broadcast(1); // answers the poll waiting on the server; the next ones get the proxy's 204

        Eventually.await(PATIENCE, "the proxy's answer shown", () -> chrome.strings("window.states").toString(),
                () -> chrome.strings("window.states").stream().anyMatch(state -> state.startsWith("reconnecting: 204")));
        long seq = ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue();
        chrome.driver().executeScript("window.pollAnswer = null");
        broadcast(1);
        Eventually.await(PATIENCE, "the broadcast arrived over long-poll", this::clientState,
                () -> clientState().startsWith("online, seq " + (seq + 1)));
    }

    /** An rpc on the page: its result, or its error's code. */
    private static String callOutcome() {
        return String.valueOf(chrome.driver().executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                window.page.rpc('start', {}).then(result => done('ran ' + result), error => done(error.code));
                """));
    }

    /** Closes the page's socket as an admin would and keeps the client's new ones from connecting. */
    private void awayFromTheSocket(String pageId) {
        chrome.driver().executeScript("localStorage.setItem('test.refuse-websocket', 'yes')");
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        Browser.Reply reply = admin.send(HttpRequest.newBuilder(uri.resolve("/_/admin/pages/" + pageId + "/socket")).DELETE());
        assertEquals(204, reply.status(), reply.body());
        Eventually.await(PATIENCE, "the client reconnecting",
                () -> "reconnecting".equals(chrome.driver().executeScript("return window.page.state;")));
    }

    /** Starts a call that holds the page, and waits until it runs. */
    private void hold() throws InterruptedException {
        chrome.driver().executeScript(HOLD);
        assertTrue(HOLDING.tryAcquire(30, TimeUnit.SECONDS), "the hold call runs");
    }

    private static void broadcast(int times) {
        Browser app = new Browser(uri);
        for (int i = 0; i < times; i++) {
            Browser.Reply reply = app.send(HttpRequest.newBuilder(uri.resolve("/_/broadcast"))
                    .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(Json.object().put("topic", "t" + i)))));
            assertEquals(202, reply.status(), reply.body());
        }
    }

    private static ResidentPage serverPage(String pageId) {
        return resident.registry().pages().stream().filter(p -> p.id().equals(pageId)).findFirst()
                .orElseThrow(() -> new AssertionError("no page " + pageId));
    }

    @SuppressWarnings("unchecked")
    private List<Long> reads() {
        return (List<Long>) chrome.driver().executeScript("return window.reads;");
    }

    private String clientState() {
        return (String) chrome.driver().executeScript(
                "return `${window.page.state}, seq ${window.page.seq}, resyncs ${window.resyncs}`;");
    }
}
