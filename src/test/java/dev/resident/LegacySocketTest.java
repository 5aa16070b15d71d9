package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Machine;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.RawWebSocket;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import dev.resident.support.TunnelClient;
import dev.resident.support.TunnelClient.Closed;
import dev.resident.support.WsEchoProcess;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The legacy app's WebSocket passed through Resident to a real WebSocket server
 * ({@code src/test/resources/legacy/ws_echo.py} on Debian's python3-websockets): frames both
 * ways, close codes, the Origin check, the message limit, the legacy side's pings, the drain, and
 * 1,000 tunnelled sockets at once.
 */
@ServerTest
@Timeout(120)
class LegacySocketTest {
    private static final int MAX_MESSAGE = 64 * 1024;
    /** The legacy app's default (python-websockets'); the ping test has a server of its own. */
    private static final Duration PING_INTERVAL = Duration.ofSeconds(20);
    private static WsEchoProcess legacy;
    private static Resident resident;
    private final URI uri;

    LegacySocketTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        legacy = new WsEchoProcess(PING_INTERVAL);
        resident = TestServers.setup(server, Map.of(
                "legacy.upstream", legacy.url(),
                // 1,000 handshakes at once on a shared 2-core machine can take longer than the 5 s default
                "legacy.connect-timeout", "30s",
                "resident.limits.max-ws-message", Integer.toString(MAX_MESSAGE)));
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    @Test
    void aThousandTunnelledSocketsEachEchoARoundTrip() {
        List<TunnelClient> clients = new ArrayList<>();
        for (int batch = 0; batch < 10; batch++) {
            List<CompletableFuture<TunnelClient>> opening = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                opening.add(open("/websocket"));
            }
            opening.forEach(future -> clients.add(future.join()));
        }
        for (int i = 0; i < clients.size(); i++) {
            try {
                clients.get(i).send("hello " + i);
            } catch (RuntimeException e) {
                throw new AssertionError("socket " + i + " closed: " + clients.get(i).closed(), e);
            }
        }
        // a generous wait: 1,000 round trips through two JVM hops and Python on a shared 2-core machine
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int i = 0; i < clients.size(); i++) {
            Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
            assertEquals("hello " + i, clients.get(i).next(left), "socket " + i);
        }
        TunnelClient observer = open("/websocket").join();
        // sockets of earlier tests may still be closing on the legacy side: counts are lower bounds
        int open = Integer.parseInt(observer.ask("count"));
        assertTrue(open >= 1001, "1,000 legacy sockets and the observer's: " + open);
        clients.forEach(client -> client.close(1000, "done"));
        Eventually.await(Duration.ofSeconds(30), "the 1,000 legacy sockets are closed",
                () -> Integer.parseInt(observer.ask("count")) <= open - 1000);
        observer.close(1000, "done");
    }

    @Test
    void textAndBinaryFramesPassBothWaysWithTheBrowsersHeaders() {
        Browser browser = new Browser(uri);
        browser.benchPage();
        TunnelClient client = TunnelClient.open(ws("/websocket?token=a%20b"), "http://" + uri.getAuthority(),
                "legacy_session=s3cr3t; rsd_cid=" + browser.connectionId() + "; __Host-rsd_cid=" + browser.connectionId()).join();
        assertEquals("héllo ✓", client.ask("héllo ✓"));
        byte[] bytes = new byte[256];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        client.sendBinary(bytes);
        assertEquals("bin:" + new String(bytes, StandardCharsets.ISO_8859_1), client.next());
        String big = "x".repeat(MAX_MESSAGE);
        assertEquals(big, client.ask(big), "a message at the limit passes");
        String wide = "✓".repeat(MAX_MESSAGE / 3); // the tunnel hands the legacy side's frames over in 16 KB parts
        assertEquals(wide, client.ask(wide), "characters cut by a part's end are whole again");

        String headers = client.ask("headers");
        assertTrue(headers.contains("\"cookie\": \"legacy_session=s3cr3t\""), headers);
        assertFalse(headers.contains("rsd_cid"), "Resident's session cookie stays with Resident: " + headers);
        assertTrue(headers.contains("\"origin\": \"http://" + uri.getAuthority() + "\""), headers);
        assertTrue(headers.contains("\"x-forwarded-for\": \"127.0.0.1\""), headers);
        assertTrue(headers.contains("\"x-forwarded-host\": \"" + uri.getAuthority() + "\""), headers);
        assertTrue(headers.contains("\"x-forwarded-proto\": \"http\""), headers);
        client.close(1000, "done");
    }

    /**
     * A browser's frame may end inside a character (Chrome cuts messages past 64 KB into frames by
     * bytes): the legacy side gets it whole, and the limit counts the bytes as sent. Helidon decoded
     * each frame by itself, so the halves became U+FFFD and counted more than they were.
     */
    @Test
    void aCharacterCutBetweenFramesReachesTheLegacySideWhole() {
        TunnelClient client = open("/websocket").join();
        for (String character : List.of("\u00e8", "\u20ac", "\ud83d\ude00")) { // è, €, 😀: 2, 3 and 4 bytes
            String text = "caff" + character;
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            for (int cut = 5; cut < bytes.length; cut++) {
                client.sendFragments(Arrays.copyOf(bytes, cut), Arrays.copyOfRange(bytes, cut, bytes.length));
                assertEquals(text, client.next(), character + " cut after byte " + (cut - 4));
            }
        }
        String atTheLimit = "\u20ac".repeat(MAX_MESSAGE / 3) + "a".repeat(MAX_MESSAGE % 3);
        byte[] bytes = atTheLimit.getBytes(StandardCharsets.UTF_8);
        List<byte[]> parts = new ArrayList<>();
        for (int start = 0; start < bytes.length; start += 1000) { // two frames of three end inside a euro sign
            parts.add(Arrays.copyOfRange(bytes, start, Math.min(bytes.length, start + 1000)));
        }
        client.sendFragments(parts.toArray(byte[][]::new));
        assertEquals(atTheLimit, client.next(), "a message at the limit, in bytes as sent, passes");
        client.close(1000, "done");
    }

    @Test
    void closeCodesPassBothWays() {
        TunnelClient closedByLegacy = open("/websocket").join();
        closedByLegacy.send("close:4001");
        assertEquals(new Closed(4001, "bye"), closedByLegacy.closed());

        TunnelClient closing = open("/websocket").join();
        assertEquals("named leaving-4002", closing.ask("name:leaving-4002"));
        closing.close(4002, "leaving");
        closing.closed();
        awaitLegacyClose("leaving-4002", 4002);
    }

    /**
     * A close frame without a code (Tornado's {@code close()}, what gnrasync sends) is a clean
     * close: the browser gets 1000, not the 1014 of a legacy server that dropped the connection.
     */
    @Test
    void aLegacyCloseWithoutACodeClosesTheBrowserNormally() {
        TunnelClient client = open("/websocket").join();
        client.send("close-empty");
        assertEquals(new Closed(1000, ""), client.closed());
    }

    /**
     * A cookie whose value holds a comma (a script's {@code prefs={"a":1,"b":2}}: browsers send it
     * as set) reaches the legacy socket server as the browser sent it, as it reaches the legacy
     * app over HTTP. Before, the tunnel read the {@code Cookie} header as a comma list, so the
     * legacy server got {@code prefs={"a":1; "b":2}}.
     */
    @Test
    void aCookieWithACommaReachesTheLegacySocketServerWhole() {
        String cookie = "prefs={\"a\":1,\"b\":2}; legacy_sid=x,y; rsd_cid=resident-only";
        TunnelClient client = TunnelClient.open(ws("/websocket"), null, cookie).join();
        JsonNode headers = Json.parse(client.ask("headers"));
        assertEquals("prefs={\"a\":1,\"b\":2}; legacy_sid=x,y", headers.path("cookie").asText(), headers.toString());
        client.close(1000, "done");
    }

    @Test
    void aMessageOverTheLimitClosesBothSidesWith1009() {
        TunnelClient client = open("/websocket").join();
        assertEquals("named too-big", client.ask("name:too-big"));
        client.send("\u20ac".repeat(MAX_MESSAGE / 3 + 1)); // a third as many chars as the limit's bytes
        assertEquals(new Closed(1009, "message too big"), client.closed());
        // the tunnel sends the legacy side only the codes Java's client could (CloseCodes.fromClient): 1009 as 1008
        awaitLegacyClose("too-big", 1008);
    }

    @Test
    void aForeignOriginIsRefusedWith1008() {
        TunnelClient client = TunnelClient.open(ws("/websocket"), "http://evil.example", null).join();
        assertEquals(new Closed(1008, "origin not allowed"), client.closed());
    }

    /**
     * The tunnel is chosen by the normalized path and forwards the path as written: one with a
     * dot-segment would reach another endpoint of the app, so it is refused, as the HTTP proxy does.
     */
    @Test
    void aPathWithADotSegmentIsNotTunnelled() {
        for (String path : List.of("/secret/../websocket", "/a/./../websocket")) {
            TunnelClient client = TunnelClient.open(URI.create(ws("/").toString().replaceFirst("/$", "") + path),
                    null, null).join();
            assertEquals(new Closed(1008, "path not forwarded: dot-segment in the path"), client.closed(), path);
        }
    }

    @Test
    void idleSocketsFollowTheLegacyAppsPings() {
        try (WsEchoProcess pinging = new WsEchoProcess(Duration.ofMillis(300))) {
            onAnotherServer(Map.of("legacy.upstream", pinging.url()), base -> {
                TunnelClient client = TunnelClient.open(base.resolve("/websocket"), null, null).join();
                // the legacy app drops a socket whose pong is 2 ping intervals late: ten pings prove the pongs came back
                Eventually.await(Duration.ofSeconds(20), "ten pings relayed", () -> client.pings() >= 10);
                assertEquals("still open", client.ask("still open"));
                client.close(1000, "done");
            });
        }
    }

    @Test
    void aDrainClosesTunnelsWith1001() {
        Resident draining = TestServers.resident(Map.of("legacy.upstream", legacy.url()), new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(draining::setup).build().start();
        TunnelClient client = TunnelClient.open(URI.create("ws://127.0.0.1:" + server.port() + "/websocket"),
                null, null).join();
        assertEquals("named drained", client.ask("name:drained"));
        draining.drainAndStop(server);
        assertEquals(1001, client.closed().code());
        awaitLegacyClose("drained", 1001);
    }

    @Test
    void anUnreachableLegacySocketServerClosesWith1014() {
        onAnotherServer(Map.of("legacy.upstream", "http://127.0.0.1:" + Machine.freePort()), base -> {
            TunnelClient client = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            assertEquals(new Closed(1014, "legacy socket unreachable"), client.closed());
        });
    }

    @Test
    void aLegacyServerThatTakesNothingIsCutAfterTheTimeout() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "legacy.timeout", "1s"), base -> {
            TunnelClient client = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            client.send("stall");
            String chunk = "x".repeat(8_000);
            CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) { // 160 MB: far more than the buffers on the way hold
                        client.send(chunk);
                    }
                } catch (RuntimeException closed) {
                    // the tunnel closed under the flood
                }
            });
            assertEquals(1014, client.closed().code(), "the write the legacy server never took was cut");
        });
    }

    /** On the admin powers' own host the legacy app is never served: its sockets are not tunnelled there either. */
    @Test
    void noTunnelOpensOnTheAdminHost() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "resident.admin.host", "127.0.0.1"), base -> {
            TunnelClient refused = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            assertEquals(new Closed(1008, "not on the admin host"), refused.closed());
            URI main = URI.create(base.toString().replace("127.0.0.1", "localhost"));
            TunnelClient client = TunnelClient.open(main.resolve("/websocket"), null, null).join();
            assertEquals("on the main host", client.ask("on the main host"));
            client.close(1000, "done");
        });
    }

    @Test
    void theTunnelledPathsAreConfigured() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "legacy.ws-paths", "/gnrasync,/live"), base -> {
            for (String path : List.of("/gnrasync", "/live?page=1")) {
                TunnelClient client = TunnelClient.open(base.resolve(path), null, null).join();
                assertEquals("via " + path, client.ask("via " + path));
                client.close(1000, "done");
            }
        });
    }

    @Test
    void wsPathsNoneLeavesTheUpgradeToThePlainProxy() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "legacy.ws-paths", "none"), base ->
                assertEquals(426, refusedStatus(base.resolve("/websocket")), "the legacy server got a plain GET (no Upgrade)"));
        onAnotherServer(Map.of("legacy.upstream", legacy.url()), base -> {
            TunnelClient client = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            assertEquals("tunnelled by default", client.ask("tunnelled by default"));
            client.close(1000, "done");
        });
    }

    /** The status of the answer that refused the upgrade to {@code uri}. */
    private static int refusedStatus(URI uri) {
        CompletionException failed = assertThrows(CompletionException.class, () -> TunnelClient.open(uri, null, null).join());
        Throwable cause = failed.getCause() instanceof UncheckedIOException unchecked ? unchecked.getCause() : failed.getCause();
        return assertInstanceOf(RawWebSocket.UpgradeRefused.class, cause, "an answer other than 101").status();
    }

    @Test
    void tunnelsCountAgainstTheSocketCapsOfTheirClient() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "resident.limits.per-address.enabled", "true",
                "resident.limits.per-address.sockets", "2",
                "resident.process", "capped"), base -> {
            Observe observe = new Observe(URI.create("http://" + base.getAuthority()));
            TunnelClient first = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            TunnelClient second = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            // each answers through its tunnel, so both were admitted (the server admits a socket
            // after its 101, and the third's admission must not overtake the second's)
            assertEquals("one", first.ask("one"));
            assertEquals("two", second.ask("two"));
            TunnelClient third = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            assertEquals(1013, third.closed().code(), "a third socket from the address: try again later");
            first.close(1000, "done");
            Eventually.await(Duration.ofSeconds(10), "the first tunnel gone",
                    () -> observe.metric("resident_legacy_sockets", "capped") == 1);
            TunnelClient again = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            assertEquals("again", again.ask("again"), "its place was given back");
            assertEquals("still two", second.ask("still two"));
        });
    }

    /**
     * A browser gone without a close frame (Helidon 4.5 tells the listener nothing then) ends its
     * tunnel at once: its place under the socket caps and its upstream socket are given back.
     */
    @Test
    void aBrowserGoneWithoutACloseFrameEndsItsTunnel() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "resident.ws.heartbeat", "120s",
                "resident.process", "gone"), base -> {
            URI server = URI.create("http://" + base.getAuthority());
            Observe observe = new Observe(server);
            try (RawHttp browser = new RawHttp(server)) {
                browser.webSocket("/websocket", null);
                browser.frame(RawHttp.Frame.TEXT, "one".getBytes(StandardCharsets.UTF_8));
                assertEquals("one", new String(browser.readFrame(Duration.ofSeconds(10)).payload(), StandardCharsets.UTF_8));
                assertEquals(1, observe.metric("resident_legacy_sockets", "gone"));
            }
            Eventually.await(Duration.ofSeconds(10), "the tunnel ended",
                    () -> observe.metric("resident_legacy_sockets", "gone") == 0);
        });
    }

    /**
     * A tunnel Resident closes (here a message over the limit: 1009) whose browser never answers
     * the close and then drops its connection ends too: its places under the socket caps and its
     * memory came back (a helper's finding: such tunnels stayed counted for good, and a guest
     * filled its address's sockets, the process's, and then its heap with them).
     */
    @Test
    void aTunnelClosedByResidentWhoseBrowserGoesWithoutAnsweringEnds() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "resident.ws.heartbeat", "120s",
                "resident.limits.max-ws-message", "1024", "resident.process", "unanswered"), base -> {
            URI server = URI.create("http://" + base.getAuthority());
            Observe observe = new Observe(server);
            for (int i = 0; i < 3; i++) {
                try (RawHttp browser = new RawHttp(server)) {
                    browser.webSocket("/websocket", null);
                    browser.frame(RawHttp.Frame.TEXT, "one".getBytes(StandardCharsets.UTF_8));
                    assertEquals("one", browser.readFrame(Duration.ofSeconds(10)).text());
                    byte[] part = "x".repeat(800).getBytes(StandardCharsets.UTF_8);
                    browser.send(RawHttp.frameHead(RawHttp.Frame.TEXT, false, part.length)).send(part);
                    browser.send(RawHttp.frameHead(0, true, part.length)).send(part); // 1,600 bytes in two frames
                    RawHttp.Frame closed = browser.readFrame(Duration.ofSeconds(10));
                    assertEquals(RawHttp.Frame.CLOSE, closed.opcode());
                    assertEquals(1009, closed.closeCode());
                } // gone without a close frame of its own
            }
            Eventually.await(Duration.ofSeconds(10), "the three tunnels ended",
                    () -> observe.metric("resident_legacy_sockets", "unanswered") == 0);
        });
    }

    /**
     * In a full process, an address holding only tunnels gives way to another client's socket as
     * one holding page sockets does: its largest holder closes a tunnel with 1013 (a helper's
     * finding: tunnels were counted but never picked, so addresses holding tunnels kept every page
     * socket out).
     */
    @Test
    void tunnelsGiveWayToAnotherClientsSocketInAFullProcess() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "resident.limits.per-address.enabled", "true",
                "resident.limits.per-address.sockets", "4", "resident.limits.max-sockets", "6",
                "resident.ws.heartbeat", "120s", "resident.process", "giveway"), base -> {
            URI server = URI.create("http://" + base.getAuthority());
            Observe observe = new Observe(server);
            List<RawHttp> largest = new ArrayList<>();
            List<RawHttp> other = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    RawHttp tunnel = new RawHttp(server, address(i < 4 ? "127.0.0.2" : "127.0.0.3"));
                    (i < 4 ? largest : other).add(tunnel);
                    tunnel.webSocket("/websocket", null);
                    tunnel.frame(RawHttp.Frame.TEXT, ("t" + i).getBytes(StandardCharsets.UTF_8));
                    assertEquals("t" + i, tunnel.readFrame(Duration.ofSeconds(10)).text());
                }
                assertEquals(6, observe.metric("resident_legacy_sockets", "giveway"), "the process is full");
                Browser newcomer = new Browser(server, address("127.0.0.4"));
                SocketClient socket = newcomer.socket(newcomer.benchPage());
                socket.next("hello");
                assertEquals(1, observe.metric("resident_sockets_given_way_total", "giveway"));
                int closed = 0;
                for (RawHttp tunnel : largest) {
                    tunnel.frame(RawHttp.Frame.TEXT, "still".getBytes(StandardCharsets.UTF_8));
                    RawHttp.Frame frame = tunnel.readFrame(Duration.ofSeconds(10));
                    if (frame.opcode() == RawHttp.Frame.CLOSE) {
                        assertEquals(1013, frame.closeCode());
                        closed++;
                    } else {
                        assertEquals("still", frame.text());
                    }
                }
                assertEquals(1, closed, "one tunnel of the largest holder gave way");
                for (RawHttp tunnel : other) {
                    tunnel.frame(RawHttp.Frame.TEXT, "kept".getBytes(StandardCharsets.UTF_8));
                    assertEquals("kept", tunnel.readFrame(Duration.ofSeconds(10)).text(), "the smaller holder's stay");
                }
            } finally {
                largest.forEach(RawHttp::close);
                other.forEach(RawHttp::close);
            }
        });
    }

    private static java.net.InetAddress address(String literal) {
        try {
            return java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Each tunnel opens a connection to the legacy app's socket server, and one client opened 531 a
     * second (a helper's finding): opening one counts against the address's
     * {@code new-pages-per-minute}, and one past it closes with 1013 before anything opens upstream.
     */
    @Test
    void tunnelsOpenedByOneAddressAreRateLimited() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "resident.limits.per-address.enabled", "true",
                "resident.limits.per-address.new-pages-per-minute", "3", "resident.process", "tunnelrate"), base -> {
            for (int i = 0; i < 3; i++) {
                TunnelClient tunnel = TunnelClient.open(base.resolve("/websocket"), null, null).join();
                assertEquals("open " + i, tunnel.ask("open " + i));
                tunnel.close(1000, "done");
                tunnel.closed();
            }
            TunnelClient fourth = TunnelClient.open(base.resolve("/websocket"), null, null).join();
            assertEquals(1013, fourth.closed().code(), "the fourth within the minute: try again later");
        });
    }

    /** Runs {@code test} against a second Resident on its own port ({@code ws://} base), configured with {@code overrides}. */
    private static void onAnotherServer(Map<String, String> overrides, Consumer<URI> test) {
        Resident other = TestServers.resident(overrides, new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(other::setup).build().start();
        try {
            test.accept(URI.create("ws://127.0.0.1:" + server.port() + "/"));
        } finally {
            server.stop();
            other.close();
        }
    }

    /** Waits until the legacy server says the socket {@code name} was closed by its client with {@code code}. */
    private void awaitLegacyClose(String name, int code) {
        TunnelClient observer = open("/websocket").join();
        Eventually.await(Duration.ofSeconds(10), "the legacy app got " + code + " on " + name,
                () -> observer.ask("closed:" + name).equals(Integer.toString(code)));
        observer.close(1000, "done");
    }

    private CompletableFuture<TunnelClient> open(String path) {
        return TunnelClient.open(ws(path), null, null);
    }

    private URI ws(String path) {
        return URI.create("ws://" + uri.getAuthority() + path);
    }
}
