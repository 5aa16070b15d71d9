package dev.resident;

import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Chrome;
import dev.resident.support.TestServers;
import dev.resident.task.TaskType;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A page that ended for good in {@code resident.js} (closed by the app, closed on the server, its
 * socket taken over by another) rejects every later rpc at once with the reason it ended, and sends
 * nothing: before, the call went out over HTTP, and on a page taken over by another socket it ran.
 * A job it waits for rejects too, instead of waiting for an end that can no longer reach it.
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

    @Test
    void anEndedPageRejectsItsCallsWithoutSendingThem() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        PageTypes types = new PageTypes().register(PageType.builder("/counter", (page, params) -> page)
                .method("inc", (page, params) -> runs.incrementAndGet())
                .build());
        Resident resident = TestServers.resident(Map.of(), types);
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            @SuppressWarnings("unchecked")
            List<String> outcomes = (List<String>) chrome.driver().executeAsyncScript(END_THEN_CALL);

            assertEquals(List.of(
                    "offline, unknown_page: page closed",
                    "offline, unknown_page: the page is gone on the server",
                    "offline, page_replaced: another socket took over this page",
                    "rpc requests 0"), outcomes);
            assertEquals(0, runs.get(), "no call ran");
        } finally {
            server.stop();
            resident.close();
        }
    }

    @Test
    void aJobAwaitedOnAPageThatEndsRejectsWithTheReason() throws Exception {
        CountDownLatch testOver = new CountDownLatch(1);
        PageTypes types = new PageTypes().register(PageType.builder("/counter", (page, params) -> page)
                .method("start", (page, params) -> page.submit("wait", null))
                .build());
        Resident resident = TestServers.resident(Map.of(), types);
        resident.taskTypes().register(TaskType.builder("wait", (params, task) -> {
            testOver.await();
            return "waited";
        }).build());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            @SuppressWarnings("unchecked")
            List<String> outcomes = (List<String>) chrome.driver().executeAsyncScript(WAIT_FOR_A_JOB_THEN_END);

            assertEquals(List.of("unknown_page: page closed", "unknown_page: page closed"), outcomes);
        } finally {
            testOver.countDown();
            server.stop();
            resident.close();
        }
    }
}
