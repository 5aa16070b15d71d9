package dev.resident;

import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls left without an answer when Resident closes a page's socket, in {@code resident.js}. The
 * server answers every call it ran before its close frame ({@code answers_before_close}), so
 * such a call did not run: at 1009 (a message too big) it goes again over HTTP, where the call
 * too big for the socket gets 413 {@code too_large} and the one behind it runs; at 4404 (the page
 * dropped) it rejects with {@code unknown_page}, as every later call does. Before, all of them
 * rejected as {@code network} (a call that may have run): the page author saw a lost connection
 * instead of the too-large call, and could send it again to break the socket again.
 */
@Tag("slow")
@Timeout(120)
class SocketClosesInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The largest socket message and HTTP body: small, so a test call outgrows it. */
    private static final int MAX_MESSAGE = 16384;
    /** Opens a page on a socket, waits until it is online, then runs {@code arguments[0]}'s calls. */
    private static final String CALLS = """
            const done = arguments[arguments.length - 1];
            const calls = arguments[0];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/calls', {}, { retryMs: 50 });
              window.page = page;
              if (page.state !== 'online') {
                await new Promise(resolve => page.on('state', state => { if (state === 'online') resolve(); }));
              }
              window.outcomes = [];
              for (const [name, method, params] of calls) {
                page.rpc(method, params).then(result => window.outcomes.push(name + ' ' + JSON.stringify(result)),
                    error => window.outcomes.push(name + ' ' + error.code));
              }
              done(page.id);
            });
            """;

    private static final AtomicInteger INC_RUNS = new AtomicInteger();
    private static final Semaphore HOLDING = new Semaphore(0);
    private static final CountDownLatch HOLD_MAY_END = new CountDownLatch(1);
    private static Resident resident;
    private static WebServer server;
    private static URI uri;
    private static Chrome chrome;

    @BeforeAll
    static void start() {
        PageTypes types = new PageTypes().register(PageType.builder("/calls", (page, params) -> page)
                .method("echo", (page, params) -> params.string("blob").length())
                .method("inc", (page, params) -> INC_RUNS.incrementAndGet())
                .method("hold", (page, params) -> {
                    HOLDING.release();
                    HOLD_MAY_END.await();
                    return "held";
                })
                .build());
        resident = TestServers.resident(Map.of("resident.limits.max-ws-message", Integer.toString(MAX_MESSAGE),
                "resident.limits.max-body", Integer.toString(MAX_MESSAGE)), types);
        server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        uri = URI.create("http://localhost:" + server.port());
        chrome = Chrome.start();
    }

    @AfterAll
    static void stop() {
        HOLD_MAY_END.countDown();
        try (Chrome browser = chrome) {
            server.stop();
            resident.close();
        }
    }

    @Test
    void aCallTooBigForTheSocketRejectsAsTooLargeAndTheCallBehindItRuns() {
        int runsBefore = INC_RUNS.get();
        run(List.of(List.of("big", "echo", Map.of("blob", "x".repeat(MAX_MESSAGE + 1))),
                List.of("inc", "inc", Map.of())));

        Eventually.await(PATIENCE, "both calls settled", () -> outcomes().size() == 2);
        assertEquals(List.of("big too_large", "inc " + (runsBefore + 1)), outcomes().stream().sorted().toList(),
                "closed with 1009, neither ran: sent again over HTTP, the big one is refused there too");
        assertEquals(runsBefore + 1, INC_RUNS.get(), "the inc ran once");
        Eventually.await(PATIENCE, "the page back online",
                () -> "online".equals(chrome.driver().executeScript("return window.page.state;")));
    }

    @Test
    void aCallQueuedBehindTheRunningOneWhenThePageIsDroppedRejectsAsUnknownPage() throws Exception {
        int runsBefore = INC_RUNS.get();
        String pageId = run(List.of(List.of("hold", "hold", Map.of()), List.of("inc", "inc", Map.of())));
        assertTrue(HOLDING.tryAcquire(30, TimeUnit.SECONDS), "the hold call runs");
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        Browser.Reply dropped = admin.send(HttpRequest.newBuilder(uri.resolve("/_/admin/pages/" + pageId)).DELETE());
        assertEquals(204, dropped.status(), dropped.body());
        HOLD_MAY_END.countDown();

        Eventually.await(PATIENCE, "both calls settled", () -> outcomes().size() == 2);
        assertEquals(List.of("hold \"held\"", "inc unknown_page"), outcomes().stream().sorted().toList(),
                "the running call answered before the 4404; the one behind it did not run, and the page is gone");
        assertEquals(runsBefore, INC_RUNS.get());
        assertEquals("offline", chrome.driver().executeScript("return window.page.state;"));
    }

    private static String run(List<List<Object>> calls) {
        chrome.driver().get(uri.resolve("/_/resident.js").toString());
        return (String) chrome.driver().executeAsyncScript(CALLS, calls);
    }

    @SuppressWarnings("unchecked")
    private static List<String> outcomes() {
        return (List<String>) chrome.driver().executeScript("return window.outcomes;");
    }
}
