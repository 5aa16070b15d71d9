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

/**
 * A tab that never had a socket stops trying sockets after six that failed otherwise than with
 * 1013 (a proxy that never upgrades); 1013s (a full server) do not count. A tab refused with 1013
 * six times that then meets one failure of another kind (a restart's refused connection, a
 * draining process's 1001) keeps trying, and its socket takes over once the server has room. It
 * used to stop at that first other failure and long-poll for its life.
 */
@Tag("slow")
@Timeout(120)
class SocketTriesAfterOverloadInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String OPEN = """
            const done = arguments[arguments.length - 1];
            window.sockets = 0;
            window.codes = [];
            window.refuseNext = 0;
            const Counted = window.WebSocket;
            window.WebSocket = class extends Counted {
              constructor(url, protocols) {
                window.sockets++;
                const refuse = window.refuseNext > 0;
                if (refuse) { window.refuseNext--; localStorage.setItem('test.refuse-websocket', 'yes'); }
                super(url, protocols);
                if (refuse) localStorage.removeItem('test.refuse-websocket');
                this.addEventListener('close', event => window.codes.push(event.code));
              }
            };
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/_bench', {}, { retryMs: 50, maxRetryMs: 400 });
              window.page = page;
              done(page.id);
            });
            """;

    @Test
    void oneOtherFailureAfterSixRefusalsWithTryLaterDoesNotEndTheSocketTries() {
        Resident resident = TestServers.resident(Map.of("resident.limits.max-sockets", "1"), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        Browser other = new Browser(uri);
        SocketClient onlySocket = other.socket(other.benchPage()); // the server holds no more
        onlySocket.next("hello");
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            chrome.driver().executeAsyncScript(OPEN);
            Eventually.await(PATIENCE, "six sockets refused with 1013", () -> codes(chrome),
                    () -> codes(chrome).chars().filter(c -> c == ',').count() >= 6);
            chrome.driver().executeScript("window.refuseNext = 1;"); // one socket fails on the network
            Eventually.await(PATIENCE, "one socket failed otherwise", () -> codes(chrome),
                    () -> codes(chrome).contains("1006"));
            onlySocket.close(); // room again
            Eventually.await(PATIENCE, "the socket took over", () -> describe(chrome) + " codes " + codes(chrome),
                    () -> "online ws".equals(describe(chrome)));
        } finally {
            server.stop();
            resident.close();
        }
    }

    private static String codes(Chrome chrome) {
        return String.valueOf(chrome.driver().executeScript("return window.codes.join(',') + ',';"));
    }

    private static String describe(Chrome chrome) {
        return (String) chrome.driver().executeScript("return `${window.page.state} ${window.page.transport}`;");
    }
}
