package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request log switched on to a file: one line per request and per socket session, no secrets. */
@ServerTest
@Timeout(60)
class RequestLogTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Pattern LINE = Pattern.compile(
            "ts=\\S+ process=p07 method=[A-Z]+ path=\\S+ page=\\S+ status=\\d{3,4} ms=\\d+");
    private static Path file;
    private static Resident resident;
    private final URI uri;

    RequestLogTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) throws IOException {
        file = Files.createTempFile("requests", ".log");
        resident = TestServers.setup(server, Map.of(
                "resident.process", "p07",
                "resident.request-log.enabled", "true",
                "resident.request-log.file", file.toString()));
    }

    @AfterAll
    static void close() throws IOException {
        resident.close();
        Files.deleteIfExists(file);
    }

    @Test
    void eachRequestAndSocketSessionGetsOneLineWithPageMethodStatusDurationAndProcess() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        String encoded = pageId.replace("|", "%7C");
        assertEquals(200, browser.rpc(pageId, "inc").status());
        assertEquals(200, browser.get("/_/poll?after=0&wait=0&page_id=" + encoded).status());
        assertEquals(404, browser.rpc("AAAAAAAAAAAAAAAAAAAAAA|p07", "inc").status());
        assertEquals(400, browser.post("/_/pages", "[1]").status());
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        socket.close();
        assertEquals(1000, socket.closeCode());

        await("POST /_/pages " + pageId + " 201");
        await("POST /_/rpc " + pageId + " 200");
        await("GET /_/poll " + pageId + " 200");
        await("POST /_/rpc AAAAAAAAAAAAAAAAAAAAAA|p07 404");
        await("POST /_/pages - 400");
        await("WS /_/ws " + pageId + " 1000");
        for (String line : lines()) {
            assertTrue(LINE.matcher(line).matches(), line);
        }
    }

    /** A client that goes without a close frame: Helidon calls neither onClose nor onError. */
    @Test
    void aSocketWhoseClientJustGoesGetsItsLineToo() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        socket.abort();
        await("WS /_/ws " + pageId + " 1006");
    }

    @Test
    void noCookieTokenOrPasswordReachesTheLog() {
        Browser alice = new Browser(uri);
        assertEquals(200, alice.login("alice", "alice").status());
        String pageId = alice.benchPage();
        assertEquals(202, alice.send(HttpRequest.newBuilder(uri.resolve("/_/dbevent?token=" + TestServers.ADMIN_TOKEN))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"table\":\"t\",\"events\":[{\"action\":\"I\",\"pkey\":1}]}"))).status());
        await("POST /_/login - 200");
        await("POST /_/dbevent - 202");
        await("POST /_/pages " + pageId + " 201");
        String log = String.join("\n", lines());
        assertFalse(log.contains(alice.connectionId()), "no connection cookie");
        assertFalse(log.contains(alice.cookie("rsd_aff")), "no affinity cookie");
        assertFalse(log.contains(TestServers.ADMIN_TOKEN), "no token, not even from a query string");
        assertFalse(log.contains("password"), "no body");
    }

    /**
     * The log sits behind the request guard and in front of the cross-site and observe guards
     * (web/FrontFilter): their refusals get a line, the request guard's do not.
     */
    @Test
    void refusalsOfTheGuardsBehindTheLogGetALineAndTheFirstGuardsDoNot() {
        Browser browser = new Browser(uri);
        assertEquals(405, browser.send(HttpRequest.newBuilder(uri.resolve("/_/rpc"))
                .method("TRACE", HttpRequest.BodyPublishers.noBody())).status());
        assertEquals(403, browser.send(HttpRequest.newBuilder(uri.resolve("/_/rpc"))
                .header("Origin", "https://elsewhere.example")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))).status());
        assertEquals(401, browser.get("/observe/metrics").status());
        await("POST /_/rpc - 403");
        await("GET /observe/metrics - 401");
        assertFalse(lines().stream().anyMatch(line -> line.contains("method=TRACE")), "the request guard's 405 is not logged");
    }

    /** Waits for a line with {@code method path page status} in this order ({@code page=} optional). */
    private static void await(String expected) {
        String[] parts = expected.replace("page=", "").split(" ");
        Pattern wanted = Pattern.compile("method=" + Pattern.quote(parts[0]) + " path=" + Pattern.quote(parts[1])
                + " page=" + Pattern.quote(parts[2]) + " status=" + parts[3] + " ms=\\d+$");
        Eventually.await(WAIT, "a log line " + expected + " in " + lines(),
                () -> lines().stream().anyMatch(line -> wanted.matcher(line).find()));
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
