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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tab whose socket once worked (said hello) and is then refused with 1013 by a server full of
 * sockets (after an eviction or a restart) polls meanwhile and gets its messages, as the tab of
 * {@link SocketsRefusedInBrowserTest} whose sockets were refused from the start does. It used to
 * retry the socket only, so nothing reached the page until a socket place freed, though HTTP
 * worked all along.
 */
@Tag("slow")
@Timeout(120)
class SocketRefusedAfterItWorkedInBrowserTest {
    private static final String OPEN = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/_bench', {}, { retryMs: 1500, maxRetryMs: 3000 });
              window.page = page;
              window.states = [];
              page.on('state', (state, reason) => window.states.push(state + ' ' + page.transport + ' ' + reason));
              done(page.id);
            });
            """;

    @Test
    void aTabWhoseSocketWorkedStillGetsItsMessagesWhenTheServerRefusesItsNextSockets() {
        Resident resident = TestServers.resident(Map.of("resident.limits.max-sockets", "1"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            Object pageId = chrome.driver().executeAsyncScript(OPEN);
            Eventually.await(Duration.ofSeconds(30), "online over the socket", () -> describe(chrome),
                    () -> "online ws".equals(describe(chrome)));
            // the tab's socket is closed (an admin, a proxy's idle cut...) and another client takes the one place
            resident.registry().pages().stream().filter(page -> page.id().equals(pageId))
                    .forEach(page -> page.closeSocket(1001, "closed by the review"));
            Browser other = new Browser(uri);
            SocketClient onlySocket = other.socket(other.benchPage());
            onlySocket.next("hello");
            long seq = ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue();
            broadcast(uri);
            // HTTP works all along: a poll would fetch it at once
            Eventually.await(Duration.ofSeconds(20), "the broadcast reached the tab while its sockets are refused",
                    () -> describe(chrome) + " " + chrome.strings("window.states"),
                    () -> ((Number) chrome.driver().executeScript("return window.page.seq;")).longValue() == seq + 1);
            onlySocket.close();
        } finally {
            server.stop();
            resident.close();
        }
    }

    private static String describe(Chrome chrome) {
        return (String) chrome.driver().executeScript("return `${window.page.state} ${window.page.transport}`;");
    }

    private static void broadcast(URI uri) {
        Browser.Reply reply = new Browser(uri).broadcast("room");
        assertEquals(202, reply.status(), reply.body());
    }
}
