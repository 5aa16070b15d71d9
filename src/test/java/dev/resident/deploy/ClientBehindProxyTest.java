package dev.resident.deploy;

import dev.resident.Resident;
import dev.resident.support.Chrome;
import dev.resident.support.DemoTab;
import dev.resident.support.DroppingServer;
import dev.resident.support.Eventually;
import dev.resident.support.Haproxy;
import dev.resident.support.Haproxy.Backend;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What {@code resident.js} makes of the answers of a real HAProxy in front of the server, which are
 * not Resident's own: a 502 (the server closed the connection on the request) may have run the
 * call, so it rejects as {@code network}, like a dropped connection, never as an HTTP error; a 503
 * (no server to send it to) ran nothing, so the call, or the opening of a page, is tried again and
 * goes through once a server is back.
 */
@ServerTest
@Tag("slow")
@Timeout(120)
class ClientBehindProxyTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** The call names its page in the query, so that a balancer can route it to the page's process. */
    private static final Pattern RPC_REFUSED = Pattern.compile(" 503 .*\"POST /_/rpc\\?page_id=[A-Za-z0-9_%-]+&epoch=[^ ]+ ");
    private static final Pattern OPEN_REFUSED = Pattern.compile(" 503 .*\"POST /_/pages ");
    /** Opens a board page on long-poll, so that its calls go over HTTP through the proxy. */
    private static final String OPEN_PAGE = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              window.board = await openPage('/board', {}, { websocket: false });
              done(window.board.id);
            });
            """;
    /** Starts opening a board page; the outcome lands in {@code window.outcome}. */
    private static final String OPEN_LATER = """
            window.outcome = null;
            import('/_/resident.js')
              .then(({ openPage }) => openPage('/board', {}, { websocket: false }))
              .then(() => { window.outcome = 'opened'; }, error => { window.outcome = error.code + ' ' + error.status; });
            """;
    /** Starts a call; its outcome lands in {@code window.outcome}. */
    private static final String CALL = """
            window.outcome = null;
            window.board.rpc('update', { id: 1001, qty: arguments[0] }).then(
              () => { window.outcome = 'ok'; },
              error => { window.outcome = error.code + ' ' + error.status; });
            """;
    private static Resident resident;
    private final WebServer server;

    ClientBehindProxyTest(WebServer server) {
        this.server = server;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.demo(server, Map.of());
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aCallTheServerDroppedRejectsAsNetworkAndTheNextOneGoesThrough() throws Exception {
        try (Haproxy haproxy = new Haproxy(Duration.ofMillis(100), List.of(new Backend("p01", server.port())));
             Chrome chrome = Chrome.start();
             DroppingServer dropping = new DroppingServer()) {
            DemoTab.open(chrome, haproxy.uri(), "alice");
            chrome.driver().executeAsyncScript(OPEN_PAGE);

            haproxy.command("set server resident/p01 addr 127.0.0.1 port " + dropping.port());
            // HAProxy may still reuse an idle connection to the old address (it purges idle ones
            // only after pool-purge-delay): the call would then reach Resident and succeed
            Eventually.await(PATIENCE, "no idle connection to p01's old address left for reuse",
                    () -> idleConnections(haproxy, "resident/p01") == 0);
            chrome.driver().executeScript(CALL, 2);
            assertEquals("network 502", awaitOutcome(chrome), "it may have run: in doubt, not an HTTP error");

            haproxy.command("set server resident/p01 addr 127.0.0.1 port " + server.port());
            haproxy.awaitStatus("p01", "UP");
            chrome.driver().executeScript(CALL, 3);
            assertEquals("ok", awaitOutcome(chrome));
        }
    }

    @Test
    void aCallWhileTheProxyHasNoServerWaitsForOne() throws Exception {
        try (Haproxy haproxy = new Haproxy(Duration.ofMillis(100), List.of(new Backend("p01", server.port())));
             Chrome chrome = Chrome.start()) {
            DemoTab.open(chrome, haproxy.uri(), "alice");
            chrome.driver().executeAsyncScript(OPEN_PAGE);

            // no server: maint, and no stickiness left to send the browser to one anyway (option persist)
            haproxy.command("set server resident/p01 state maint");
            haproxy.command("clear table resident");
            chrome.driver().executeScript(CALL, 4);
            Eventually.await(PATIENCE, "HAProxy answered the call 503", () -> RPC_REFUSED.matcher(haproxy.log()).find());

            haproxy.command("set server resident/p01 state ready");
            assertEquals("ok", awaitOutcome(chrome), "nothing ran, so the client tried again");
        }
    }

    @Test
    void aPageOpenedWhileTheProxyHasNoServerOpensOnceOneIsBack() throws Exception {
        try (Haproxy haproxy = new Haproxy(Duration.ofMillis(100), List.of(new Backend("p01", server.port())));
             Chrome chrome = Chrome.start()) {
            DemoTab.open(chrome, haproxy.uri(), "alice");

            haproxy.command("set server resident/p01 state maint");
            haproxy.command("clear table resident");
            chrome.driver().executeScript(OPEN_LATER);
            Eventually.await(PATIENCE, "HAProxy answered the page open 503",
                    () -> OPEN_REFUSED.matcher(haproxy.log()).find());

            haproxy.command("set server resident/p01 state ready");
            assertEquals("opened", awaitOutcome(chrome), "nothing was opened, so the client tried again");
        }
    }

    /**
     * The idle connections HAProxy keeps to {@code server} for reuse, safe and unsafe ones, from
     * {@code show servers conn}: a header line naming the columns, then a line a server.
     */
    private static int idleConnections(Haproxy haproxy, String server) {
        List<String> lines = haproxy.command("show servers conn resident").lines().toList();
        List<String> columns = List.of(lines.getFirst().replaceFirst("^#\\s*", "").trim().split("\\s+"));
        for (String line : lines.subList(1, lines.size())) {
            List<String> values = List.of(line.trim().split("\\s+"));
            if (values.getFirst().equals(server)) {
                return Integer.parseInt(values.get(columns.indexOf("safe_nb")))
                        + Integer.parseInt(values.get(columns.indexOf("unsafe_nb")));
            }
        }
        throw new AssertionError("no " + server + " in: " + lines);
    }

    private static String awaitOutcome(Chrome chrome) {
        Object[] outcome = new Object[1];
        Eventually.await(PATIENCE, "the call's outcome", () -> {
            outcome[0] = chrome.driver().executeScript("return window.outcome");
            return outcome[0] != null;
        });
        return (String) outcome[0];
    }
}
