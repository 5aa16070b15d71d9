package dev.resident;

import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Chrome;
import dev.resident.support.TestServers;
import dev.resident.task.TaskType;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A page that ended for good in {@code resident.js} (closed by the app, closed on the server, its
 * socket taken over by another) rejects every later rpc at once with the reason it ended, and sends
 * nothing: before, the call went out over HTTP, and on a page taken over by another socket it ran.
 * A call waiting to be sent again (it was answered {@code unavailable}) rejects the same way, and a
 * job it waits for rejects too, instead of waiting for an end that can no longer reach it.
 */
@Tag("slow")
@Timeout(120)
class PageEndInBrowserTest {
    /**
     * Ends three pages three ways, then calls each once: its state and the call's outcome per page,
     * and the number of requests to {@code /_/rpc} the calls sent.
     */
    private static final String END_THEN_CALL = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const ended = page => page.state === 'offline' ? Promise.resolve()
                  : new Promise(resolve => page.on('state', state => { if (state === 'offline') resolve(); }));
              const online = page => page.state === 'online' ? Promise.resolve()
                  : new Promise(resolve => page.on('state', state => { if (state === 'online') resolve(); }));
              const closedHere = await openPage('/counter', {});
              const closedOnServer = await openPage('/counter', {});
              const replaced = await openPage('/counter', {});
              await Promise.all([closedHere, closedOnServer, replaced].map(online));

              closedHere.close();
              await fetch('/_/close', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                  body: JSON.stringify({ page_id: closedOnServer.id }) });
              const other = new WebSocket(`ws://${location.host}/_/ws?page_id=${encodeURIComponent(replaced.id)}`);
              await Promise.all([closedHere, closedOnServer, replaced].map(ended));

              let rpcRequests = 0;
              const fetchAsBefore = window.fetch;
              window.fetch = (url, init) => {
                if (String(url).startsWith('/_/rpc')) rpcRequests++;
                return fetchAsBefore(url, init);
              };
              const outcomes = [];
              for (const page of [closedHere, closedOnServer, replaced]) {
                const outcome = await page.rpc('inc', {}).then(result => 'ran ' + result,
                    error => error.code + ': ' + error.message);
                outcomes.push(page.state + ', ' + outcome);
              }
              other.close();
              done([...outcomes, 'rpc requests ' + rpcRequests]);
            });
            """;

    /**
     * Calls a method that answers {@code unavailable} on a page without a socket, and closes the page
     * as that answer arrives: the call's outcome and the number of requests to {@code /_/rpc}.
     */
    private static final String END_WHILE_A_CALL_WAITS_TO_GO_AGAIN = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/counter', {}, { websocket: false, retryMs: 50 });
              let rpcRequests = 0;
              const fetchAsBefore = window.fetch;
              window.fetch = async (url, init) => {
                const response = await fetchAsBefore(url, init);
                if (String(url).startsWith('/_/rpc')) {
                  rpcRequests++;
                  page.close();
                }
                return response;
              };
              const outcome = await page.rpc('refuse', {}).then(result => 'ran ' + result,
                  error => error.code + ': ' + error.message);
              done([outcome, 'rpc requests ' + rpcRequests]);
            });
            """;

    /**
     * Starts a job that runs until the test ends, waits for it, closes the page: whether the wait
     * settled by then, and a wait asked for after the close. A promise settled already wins the
     * race against one resolved after it, so "still waiting" means it never settled.
     */
    private static final String WAIT_FOR_A_JOB_THEN_END = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const settled = promise => Promise.race([
                  promise.then(result => 'done ' + result, error => error.code + ': ' + error.message),
                  Promise.resolve().then(() => 'still waiting')]);
              const page = await openPage('/counter', {});
              const jobId = await page.rpc('start', {});
              const awaited = page.job(jobId);
              page.close();
              done([await settled(awaited), await settled(page.job(jobId))]);
            });
            """;

    private static final AtomicInteger INC_RUNS = new AtomicInteger();
    private static final AtomicInteger REFUSALS = new AtomicInteger();
    private static final CountDownLatch JOBS_MAY_END = new CountDownLatch(1);
    private static Resident resident;
    private static WebServer server;
    private static Chrome chrome;

    @BeforeAll
    static void start() {
        PageTypes types = new PageTypes().register(PageType.builder("/counter", (page, params) -> page)
                .method("inc", (page, params) -> INC_RUNS.incrementAndGet())
                .method("refuse", (page, params) -> {
                    REFUSALS.incrementAndGet();
                    throw new PageException(503, "unavailable", "not now; try again");
                })
                .method("start", (page, params) -> page.submit("wait", null))
                .build());
        resident = TestServers.resident(Map.of(), types);
        resident.taskTypes().register(TaskType.builder("wait", (params, task) -> {
            JOBS_MAY_END.await();
            return "waited";
        }).build());
        server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        chrome = Chrome.start();
    }

    @AfterAll
    static void stop() {
        JOBS_MAY_END.countDown();
        try (Chrome browser = chrome) {
            server.stop();
            resident.close();
        }
    }

    @Test
    void anEndedPageRejectsItsCallsWithoutSendingThem() {
        int runsBefore = INC_RUNS.get();
        List<String> outcomes = run(END_THEN_CALL);

        assertEquals(List.of(
                "offline, unknown_page: page closed",
                "offline, unknown_page: the page is gone on the server",
                "offline, page_replaced: another socket took over this page",
                "rpc requests 0"), outcomes);
        assertEquals(runsBefore, INC_RUNS.get(), "no call ran");
    }

    @Test
    void aCallRefusedAsUnavailableIsNotSentAgainOnceThePageEnded() {
        int refusalsBefore = REFUSALS.get();
        List<String> outcomes = run(END_WHILE_A_CALL_WAITS_TO_GO_AGAIN);

        assertEquals(List.of("unknown_page: page closed", "rpc requests 1"), outcomes);
        assertEquals(refusalsBefore + 1, REFUSALS.get());
    }

    @Test
    void aJobAwaitedOnAPageThatEndsRejectsWithTheReason() {
        assertEquals(List.of("unknown_page: page closed", "unknown_page: page closed"), run(WAIT_FOR_A_JOB_THEN_END));
    }

    @SuppressWarnings("unchecked")
    private static List<String> run(String script) {
        chrome.driver().get("http://localhost:" + server.port() + "/_/resident.js");
        return (List<String>) chrome.driver().executeAsyncScript(script);
    }
}
