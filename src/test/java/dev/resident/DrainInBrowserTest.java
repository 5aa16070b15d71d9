package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What {@code resident.js} makes of calls on a socket that a drain closes: the call running there
 * resolves with its answer, which the server sends before the close, and a call sent behind it,
 * which did not run, is sent again over HTTP and resolves too. Before, both rejected as
 * {@code network} (they may have run), and the page author had to decide whether to try again.
 */
@Tag("slow")
@Timeout(120)
class DrainInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Opens a bench page on a socket and waits until it is online. */
    private static final String OPEN_PAGE = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/_bench');
              window.bench = page;
              if (page.state === 'online') done(page.id);
              else page.on('state', state => { if (state === 'online') done(page.id); });
            });
            """;
    /** A long call, then an inc behind it, on the socket; their outcomes land in {@code window.outcomes}. */
    private static final String TWO_CALLS = """
            window.outcomes = [];
            const note = name => [
              result => window.outcomes.push(name + ' ' + JSON.stringify(result)),
              error => window.outcomes.push(name + ' ' + error.code)];
            window.bench.rpc('work', { io_ms: 1000 }).then(...note('work'));
            window.bench.rpc('inc', {}).then(...note('inc'));
            """;

    @Test
    void callsOnASocketTheDrainClosesResolveOnceEach() throws Exception {
        Resident resident = TestServers.resident(Map.of("resident.shutdown.grace", "20s"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            chrome.driver().executeAsyncScript(OPEN_PAGE);
            // a long call on another page keeps the drain waiting, so the bench page still answers HTTP
            Browser other = new Browser(uri);
            String holder = other.benchPage();
            CompletableFuture<Reply> holding = CompletableFuture.supplyAsync(
                    () -> other.rpc(holder, "work", Json.object().put("io_ms", 6000), null));

            chrome.driver().executeScript(TWO_CALLS);
            Eventually.await(PATIENCE, "both work calls run", () -> resident.lifecycle().inFlight() == 2);
            CompletableFuture<Void> drain = CompletableFuture.runAsync(() -> resident.drainAndStop(server));

            Eventually.await(PATIENCE, "both calls settled", () -> chrome.strings("window.outcomes").size() == 2);
            assertEquals(List.of("work {\"ok\":true}", "inc 1"), chrome.strings("window.outcomes"),
                    "the running call answered before the close; the inc behind it ran once, over HTTP");
            assertFalse(holding.isDone(), "the other page's call is still running, so it is not counted yet");
            assertEquals(1, new Observe(uri).metricTagged("resident_rpc_seconds_count", "method=\"work\""),
                    "the work call ran once: its answer was not lost, so it was not sent again");

            assertEquals(200, holding.get(20, TimeUnit.SECONDS).status());
            drain.get(30, TimeUnit.SECONDS);
        } finally {
            if (server.isRunning()) { // the test failed before the drain stopped it
                server.stop();
                resident.close();
            }
        }
    }
}
