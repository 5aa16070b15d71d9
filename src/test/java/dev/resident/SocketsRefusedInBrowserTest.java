package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tab whose first sockets a server full of sockets refuses (1013) in {@code resident.js}: it
 * long-polls meanwhile, and tries a socket again after a growing backoff; once the server has room,
 * the socket takes over and the polling stops. Before, two sockets refused before their hello
 * switched the tab to long-poll for good: a moment of overload cost it its socket for the rest of
 * its life. A tab behind a proxy that never upgrades (its sockets fail on the network, never said
 * hello) stops trying after six, so that it does not send a failing upgrade every {@code maxRetryMs}
 * for good.
 */
@Tag("slow")
@Timeout(120)
class SocketsRefusedInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** Opens a page on a socket if it can, counting polls and noting its states (with the transport). */
    private static final String OPEN = """
            const done = arguments[arguments.length - 1];
            window.polls = 0;
            const fetchAsBefore = window.fetch;
            window.fetch = (url, init) => {
              if (String(url).startsWith('/_/poll')) window.polls++;
              return fetchAsBefore(url, init);
            };
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/_bench', {}, { retryMs: 50, maxRetryMs: 400 });
              window.page = page;
              window.states = [];
              page.on('state', state => window.states.push(state + ' ' + page.transport));
              done(page.id);
            });
            """;

    @Test
    void aTabRefusedSocketsByAFullServerPollsAndTakesASocketOnceThereIsRoom() {
        Resident resident = TestServers.resident(Map.of("resident.limits.max-sockets", "1"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        Browser other = new Browser(uri);
        SocketClient onlySocket = other.socket(other.benchPage()); // the server holds no more
        onlySocket.next("hello");
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            chrome.driver().executeAsyncScript(OPEN);
            Eventually.await(PATIENCE, "online over long-poll", () -> describe(chrome),
                    () -> "online poll".equals(describe(chrome)));

            onlySocket.close();
            Eventually.await(PATIENCE, "the socket took over", () -> describe(chrome),
                    () -> "online ws".equals(describe(chrome)));
            assertEquals("online ws", chrome.strings("window.states").getLast(), "the change of transport is said");
            long polls = ((Number) chrome.driver().executeScript("return window.polls;")).longValue();
            long seq = ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue();
            broadcast(uri); // would answer a poll still waiting, and its loop would poll again
            Eventually.await(PATIENCE, "the broadcast arrived",
                    () -> ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue() == seq + 1);
            assertEquals(polls, ((Number) chrome.driver().executeScript("return window.polls;")).longValue(),
                    "no poll once the socket carries the page");
            Object pageId = chrome.driver().executeScript("return window.page.id;");
            assertEquals(List.of(true), resident.registry().pages().stream()
                    .filter(page -> page.id().equals(pageId)).map(page -> page.hasSocket()).toList());
        } finally {
            server.stop();
            resident.close();
        }
    }

    @Test
    void aTabBehindAProxyThatNeverUpgradesStopsTryingSocketsAfterAFew() throws InterruptedException {
        Resident resident = TestServers.resident(Map.of(), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            chrome.driver().executeScript("""
                    localStorage.setItem('test.refuse-websocket', 'yes');
                    window.sockets = 0;
                    const Counted = window.WebSocket;
                    window.WebSocket = class extends Counted {
                      constructor(url, protocols) { window.sockets++; super(url, protocols); }
                    };
                    """);
            chrome.driver().executeAsyncScript(OPEN);
            Eventually.await(PATIENCE, "online over long-poll, six sockets tried", () -> describe(chrome) + ", " + sockets(chrome),
                    () -> "online poll".equals(describe(chrome)) && sockets(chrome) == 6);
            // without the bound a socket is tried every maxRetryMs (400 ms) for the tab's life: none
            // may come in five times that
            Thread.sleep(2_000);
            assertEquals(6, sockets(chrome), "no socket tried after the sixth");
            long seq = ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue();
            broadcast(uri);
            Eventually.await(PATIENCE, "the broadcast arrived over long-poll",
                    () -> ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue() == seq + 1);
        } finally {
            server.stop();
            resident.close();
        }
    }

    private static long sockets(Chrome chrome) {
        return ((Number) chrome.driver().executeScript("return window.sockets;")).longValue();
    }

    private static String describe(Chrome chrome) {
        return (String) chrome.driver().executeScript("return `${window.page.state} ${window.page.transport}`;");
    }

    private static void broadcast(URI uri) {
        Browser.Reply reply = new Browser(uri).broadcast("room");
        assertEquals(202, reply.status(), reply.body());
    }
}
