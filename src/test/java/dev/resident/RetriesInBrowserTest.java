package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.TestServers;
import dev.resident.task.TaskType;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code resident.js} sends again by itself, over the socket as over HTTP: a call answered
 * {@code unavailable} did not run, so it goes again (over HTTP, after the backoff) and resolves;
 * a call answered {@code tasks_unavailable} stopped midway, so it rejects at once and ran once.
 * A refusal's {@code Retry-After} is honoured: a page open refused by a full server is tried again
 * no sooner than it says (before, after the client's own backoff, 10 ms here), and an error
 * surfaced to the page author carries it ({@code retryAfter}, seconds). A login refused as
 * {@code unavailable} (a server with no place for the session it would make) logged nothing in and
 * is tried again the same way (before, it rejected at once).
 */
@Tag("slow")
@Timeout(120)
class RetriesInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Opens the page on a socket; once online, runs both calls on it into {@code window.outcomes}. */
    private static final String CALLS_ON_THE_SOCKET = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/flaky', {}, { retryMs: 50 });
              const online = page.state === 'online' ? Promise.resolve()
                  : new Promise(resolve => page.on('state', state => { if (state === 'online') resolve(); }));
              await online;
              window.outcomes = [];
              const note = name => [
                result => window.outcomes.push(name + ' ' + JSON.stringify(result)),
                error => window.outcomes.push(name + ' ' + error.code)];
              page.rpc('once', {}).then(...note('once'));
              page.rpc('midway', {}).then(...note('midway'));
              done(page.transport);
            });
            """;

    /**
     * Notes each page open (its status, when it went and when its answer came, its Retry-After) in
     * {@code window.opens}, and opens a page: its id, or the error's code, lands in {@code window.opened}.
     */
    private static final String OPEN_A_PAGE_WHILE_THE_SERVER_IS_FULL = """
            const done = arguments[arguments.length - 1];
            window.opens = [];
            window.opened = null;
            const fetchAsBefore = window.fetch;
            window.fetch = async (url, init) => {
              const sent = performance.now();
              const response = await fetchAsBefore(url, init);
              if (String(url) === '/_/pages') {
                window.opens.push({ status: response.status, sent, answered: performance.now(),
                    retryAfter: response.headers.get('Retry-After') });
              }
              return response;
            };
            import('/_/resident.js').then(({ openPage }) => {
              openPage('/_bench', {}, { retryMs: 10 }).then(page => { window.opened = page.id; },
                  error => { window.opened = error.code; });
              done();
            });
            """;
    /**
     * Notes each login (its status, when it went and when its answer came) in {@code window.logins},
     * and logs in: the user, or the error's code, lands in {@code window.loggedIn}.
     */
    private static final String LOG_IN_WHILE_THE_SERVER_IS_FULL = """
            const done = arguments[arguments.length - 1];
            window.logins = [];
            window.loggedIn = null;
            const fetchAsBefore = window.fetch;
            window.fetch = async (url, init) => {
              const sent = performance.now();
              const response = await fetchAsBefore(url, init);
              if (String(url) === '/_/login') {
                window.logins.push({ status: response.status, sent, answered: performance.now(),
                    retryAfter: response.headers.get('Retry-After') });
              }
              return response;
            };
            import('/_/resident.js').then(({ login }) => {
              login('alice', 'alice', { retryMs: 10 }).then(user => { window.loggedIn = user; },
                  error => { window.loggedIn = error.code; });
              done();
            });
            """;
    /** Fails a login twice: the second is throttled; its error's code and retryAfter. */
    private static final String LOG_IN_WRONG_TWICE = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ login }) => {
              const outcomes = [];
              for (let i = 0; i < 2; i++) {
                await login('alice', 'wrong').catch(error => outcomes.push(`${error.code} ${error.status} ${error.retryAfter}`));
              }
              done(outcomes);
            });
            """;

    @Test
    void aRefusalWithRetryAfterIsTriedAgainNoSoonerAndAnErrorShowsIt() {
        Resident resident = TestServers.resident(Map.of("resident.limits.max-pages", "1",
                "resident.limits.max-login-failures", "1"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            Browser other = new Browser(uri);
            String onlyPage = other.benchPage(); // the server holds no more
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            chrome.driver().executeAsyncScript(OPEN_A_PAGE_WHILE_THE_SERVER_IS_FULL);
            Eventually.await(PATIENCE, "the first open answered",
                    () -> ((Number) chrome.driver().executeScript("return window.opens.length;")).intValue() > 0);
            assertEquals(List.of(503L, "5"), chrome.driver().executeScript(
                    "return [window.opens[0].status, window.opens[0].retryAfter];"));
            assertEquals(204, other.post("/_/close", Json.object().put("page_id", onlyPage)).status());

            Eventually.await(PATIENCE, "the page opened", () -> chrome.driver().executeScript("return window.opened;") != null);
            assertEquals(List.of(503L, 201L), chrome.driver().executeScript("return window.opens.map(open => open.status);"));
            double waited = ((Number) chrome.driver().executeScript(
                    "return window.opens[1].sent - window.opens[0].answered;")).doubleValue();
            assertTrue(waited >= 5000, "tried again after " + waited + " ms, Retry-After said 5 s");

            assertEquals(List.of("unauthorized 401 0", "rate_limited 429 1"), throttledLogins(chrome));
        } finally {
            server.stop();
            resident.close();
        }
    }

    @Test
    void aLoginRefusedAsUnavailableIsTriedAgainAfterItsRetryAfter() {
        Resident resident = TestServers.resident(Map.of("resident.limits.max-connections", "1",
                "resident.limits.guests-give-way-after", "1s"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            Browser other = new Browser(uri);
            String onlyPage = other.benchPage(); // its session is the only one the server holds, and not idle
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            chrome.driver().executeAsyncScript(LOG_IN_WHILE_THE_SERVER_IS_FULL);
            Eventually.await(PATIENCE, "the first login answered",
                    () -> ((Number) chrome.driver().executeScript("return window.logins.length;")).intValue() > 0);
            assertEquals(List.of(503L, "5"), chrome.driver().executeScript(
                    "return [window.logins[0].status, window.logins[0].retryAfter];"));
            // a guest session without pages, idle past guests-give-way-after, gives way to the next one
            assertEquals(204, other.post("/_/close", Json.object().put("page_id", onlyPage)).status());

            Eventually.await(PATIENCE, "the login settled", () -> chrome.driver().executeScript("return window.loggedIn;") != null);
            assertEquals("alice", chrome.driver().executeScript("return window.loggedIn;"));
            assertEquals(List.of(503L, 200L), chrome.driver().executeScript("return window.logins.map(login => login.status);"));
            double waited = ((Number) chrome.driver().executeScript(
                    "return window.logins[1].sent - window.logins[0].answered;")).doubleValue();
            assertTrue(waited >= 5000, "tried again after " + waited + " ms, Retry-After said 5 s");
        } finally {
            server.stop();
            resident.close();
        }
    }

    /** The two failed logins' outcomes, the second one's Retry-After rounded to 1 s (the throttle's first wait). */
    @SuppressWarnings("unchecked")
    private static List<String> throttledLogins(Chrome chrome) {
        return (List<String>) chrome.driver().executeAsyncScript(LOG_IN_WRONG_TWICE);
    }

    @Test
    void anUnavailableOnTheSocketIsSentAgainAndAPartlyRunCallIsNot() throws Exception {
        AtomicInteger onceRuns = new AtomicInteger();
        AtomicInteger midwayRuns = new AtomicInteger();
        PageTypes types = new PageTypes().register(PageType.builder("/flaky", (page, params) -> page)
                .method("once", (page, params) -> {
                    // refuses its first call before changing anything, as a page may when a service is away
                    if (onceRuns.incrementAndGet() == 1) {
                        throw new PageException(503, "unavailable", "not yet; try again");
                    }
                    return onceRuns.get();
                })
                .method("midway", (page, params) -> {
                    midwayRuns.incrementAndGet();
                    page.data().set("midway", true);
                    return page.submit("export", null); // this server runs no tasks
                })
                .build());
        Resident resident = TestServers.resident(Map.of("resident.tasks.workers", "0"), types);
        resident.taskTypes().register(TaskType.builder("export", (params, task) -> "exported").build());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            assertEquals("ws", chrome.driver().executeAsyncScript(CALLS_ON_THE_SOCKET));

            Eventually.await(PATIENCE, "both calls settled", () -> chrome.strings("window.outcomes").size() == 2);
            assertEquals(List.of("midway tasks_unavailable", "once 2"), chrome.strings("window.outcomes").stream().sorted().toList());
            assertEquals(2, onceRuns.get(), "the unavailable call went again once");
            assertEquals(1, midwayRuns.get(), "the call that stopped midway was not sent again");
        } finally {
            server.stop();
            resident.close();
        }
    }
}
