package dev.resident;

import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
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

/**
 * What {@code resident.js} sends again by itself, over the socket as over HTTP: a call answered
 * {@code unavailable} did not run, so it goes again (over HTTP, after the backoff) and resolves;
 * a call answered {@code tasks_unavailable} stopped midway, so it rejects at once and ran once.
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
