package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.GunicornProcess;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The legacy bridge against a real gunicorn serving {@code src/test/resources/legacy/app.py}:
 * what is forwarded and how, what stays Resident's, streaming, limits, a legacy app that is slow
 * or down, and the legacy app notifying resident pages through {@code POST /_/dbevent}.
 */
@ServerTest
@Timeout(60)
class LegacyProxyTest {
    private static final int MAX_BODY = 8 << 20;
    private static final int FIVE_MB = 5 << 20;
    private static GunicornProcess legacy;
    private static Resident resident;
    private final URI uri;

    LegacyProxyTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        legacy = new GunicornProcess(Map.of("RESIDENT_ADMIN_TOKEN", TestServers.ADMIN_TOKEN));
        resident = TestServers.setup(server, Map.of(
                "legacy.upstream", legacy.url(),
                "legacy.timeout", "2s",
                "legacy.max-body", Integer.toString(MAX_BODY)));
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    @Test
    void forwardsMethodTargetHeadersAndBody() {
        Reply reply = new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/sys/page%20one/%7Cx?b=2&a=%26&b=3&flag"))
                .header("X-Custom", "kept")
                .header("Authorization", "Basic bGVnYWN5OnVzZXI=")
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString("hello legacy")));
        assertEquals(200, reply.status(), reply.body());
        assertEquals(List.of("yes"), reply.headers().get("x-legacy"));
        JsonNode echo = reply.json();
        assertEquals("PUT", echo.get("method").asText());
        assertEquals("/sys/page%20one/%7Cx?b=2&a=%26&b=3&flag", echo.get("target").asText(), "the target as written");
        assertEquals("hello legacy", echo.get("body").asText());
        JsonNode headers = echo.get("headers");
        assertEquals("kept", headers.get("x-custom").asText());
        assertEquals("Basic bGVnYWN5OnVzZXI=", headers.get("authorization").asText());
        assertEquals("12", headers.get("content-length").asText());
        assertEquals(uri.getAuthority(), headers.get("host").asText(), "the client's Host");
        assertEquals("127.0.0.1", headers.get("x-forwarded-for").asText());
        assertEquals("http", headers.get("x-forwarded-proto").asText());
        assertEquals(uri.getAuthority(), headers.get("x-forwarded-host").asText());
    }

    @Test
    void hopByHopHeadersStayBehind() throws IOException {
        String answer = raw("POST /legacy/raw%7Cpath?q=%41 HTTP/1.1\r\n"
                + "Host: legacy.example\r\n"
                + "Connection: keep-alive, X-Hop\r\n"
                + "X-Hop: connection-only\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Proxy-Authorization: Basic c2VjcmV0\r\n"
                + "X-Forwarded-For: 203.0.113.7\r\n"
                + "Expect: 100-continue\r\n"
                + "Content-Length: 4\r\n"
                + "\r\n"
                + "ping");
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        JsonNode echo = Json.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertEquals("/legacy/raw%7Cpath?q=%41", echo.get("target").asText());
        assertEquals("ping", echo.get("body").asText());
        JsonNode headers = echo.get("headers");
        for (String hop : List.of("x-hop", "keep-alive", "proxy-authorization", "expect")) {
            assertFalse(headers.has(hop), hop + " in " + headers);
        }
        assertEquals("close", headers.get("connection").asText(), "its own connection header, not the client's");
        assertEquals("127.0.0.1", headers.get("x-forwarded-for").asText(),
                "the client is no trusted proxy: what it wrote there is not passed on");
        assertEquals("legacy.example", headers.get("x-forwarded-host").asText());
    }

    @Test
    void cookiesPassBothWaysAndRsdCidStaysWithResident() {
        Browser browser = new Browser(uri);
        browser.benchPage();
        String connection = browser.connectionId();
        Reply first = browser.get("/legacy/login");
        assertFalse(first.json().get("headers").path("cookie").asText().contains("rsd_cid"), first.body());
        List<String> setCookies = first.headers().get("set-cookie");
        assertEquals(List.of("legacy_session=s3cr3t; Path=/; HttpOnly",
                "legacy_theme=dark; Path=/; Expires=Wed, 21 Oct 2037 07:28:00 GMT"), setCookies);
        assertEquals(connection, browser.connectionId(), "the legacy app cannot set rsd_cid");

        String cookie = browser.get("/legacy/next").json().get("headers").get("cookie").asText();
        assertTrue(cookie.contains("legacy_session=s3cr3t") && cookie.contains("legacy_theme=dark"), cookie);
        assertFalse(cookie.contains("rsd_cid"), cookie);
        String overHttps = browser.send(HttpRequest.newBuilder(uri.resolve("/legacy/next"))
                .header("Cookie", "__Host-rsd_cid=" + connection)).json().get("headers").get("cookie").asText();
        assertFalse(overHttps.contains("rsd_cid"), "nor its name over HTTPS: " + overHttps);
        assertFalse(new Browser(uri).get("/legacy/next").json().get("headers").has("cookie"),
                "another browser never gets the first one's cookies");
        assertEquals(1, browser.rpc(browser.benchPage(), "inc").json().get("result").asInt(),
                "Resident's session still works");
    }

    @Test
    void residentsOwnRoutesAreNotForwarded() {
        Browser browser = new Browser(uri);
        Reply client = browser.get("/_/resident.js");
        assertEquals(200, client.status());
        assertFalse(client.headers().containsKey("x-legacy"));
        assertTrue(client.body().contains("openPage"));
        assertError(browser.get("/_/nowhere"), 404, "not_found");
        assertError(browser.post("/_/dbevent", "{}"), 401, "unauthorized");
        assertEquals(200, browser.get("/observe/health/live").status());
        assertEquals(201, browser.post("/_/pages", "{\"path\":\"/_bench\"}").status());
        // with legacy.paths "/" the legacy site owns every other path, the root and the demo's files too
        for (String path : List.of("/", "/index.html", "/_site/app.css", "/observer")) {
            assertEquals(List.of("yes"), browser.get(path).headers().get("x-legacy"), path);
        }
    }

    @Test
    void onlyConfiguredPrefixesGoToTheLegacyApp() {
        onAnotherServer(Map.of("legacy.upstream", legacy.url(), "legacy.paths", "/app, /sys/"), browser -> {
            for (String path : List.of("/app/echo", "/app", "/sys", "/sys/login")) {
                assertEquals(List.of("yes"), browser.get(path).headers().get("x-legacy"), path);
            }
            Reply demo = browser.get("/");
            assertEquals(200, demo.status());
            assertFalse(demo.headers().containsKey("x-legacy"), "outside the prefixes the demo is served");
            assertTrue(demo.headers().get("content-type").get(0).startsWith("text/html"), demo.headers().toString());
            assertError(browser.get("/application"), 404, "not_found");
            assertError(browser.get("/system/x"), 404, "not_found");
        });
    }

    @Test
    void aLegacyAppThatSpeaksNoHttpGets502() throws IOException {
        try (ServerSocket notHttp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = notHttp.accept()) {
                    socket.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            onAnotherServer(Map.of("legacy.upstream", "http://127.0.0.1:" + notHttp.getLocalPort()),
                    browser -> assertError(browser.get("/sys/login"), 502, "bad_gateway"));
        }
    }

    /** An interim or invalid status from the legacy app is no final answer to pass on: 502. */
    @Test
    void aLegacyAnswerWithAnInterimOrInvalidStatusGets502() throws IOException {
        for (String status : List.of("103 Early Hints", "101 Switching Protocols", "2000 Odd", "099 Low")) {
            try (ServerSocket odd = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                Thread.ofVirtual().start(() -> {
                    try (Socket socket = odd.accept()) {
                        socket.getInputStream().read(new byte[4096]);
                        socket.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Length: 2\r\n\r\nok")
                                .getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                onAnotherServer(Map.of("legacy.upstream", "http://127.0.0.1:" + odd.getLocalPort()),
                        browser -> assertError(browser.get("/sys/login"), 502, "bad_gateway"));
            }
        }
    }

    @Test
    void aMountInsideResidentsOwnPathsOrAnUpstreamThatIsNoHttpUrlIsRefused() {
        for (Map<String, String> config : List.of(
                Map.of("legacy.upstream", legacy.url(), "legacy.paths", "/_/legacy"),
                Map.of("legacy.upstream", legacy.url(), "legacy.paths", "/observe"),
                Map.of("legacy.upstream", legacy.url(), "legacy.paths", "sys"),
                Map.of("legacy.upstream", "ftp://127.0.0.1:21"),
                Map.of("legacy.upstream", legacy.url() + "/prefix"))) {
            assertThrows(IllegalArgumentException.class, () -> TestServers.resident(config, new PageTypes()),
                    config.toString());
        }
    }

    @Test
    void fiveMegabytesStreamBothWays() throws Exception {
        byte[] upload = new byte[FIVE_MB];
        new Random(7).nextBytes(upload);
        Browser browser = new Browser(uri);
        // no length: the body goes chunked to Resident and on to gunicorn
        Reply uploaded = browser.send(HttpRequest.newBuilder(uri.resolve("/app/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload))));
        assertEquals(200, uploaded.status(), uploaded.body());
        assertEquals(FIVE_MB, uploaded.json().get("length").asInt());
        assertEquals(sha256(upload), uploaded.json().get("sha256").asText());

        HttpResponse<InputStream> download = browser.http().send(
                HttpRequest.newBuilder(uri.resolve("/app/stream?bytes=" + FIVE_MB)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, download.statusCode());
        assertTrue(download.headers().firstValue("content-length").isEmpty(), "streamed, not buffered into a length");
        byte[] received;
        try (InputStream body = download.body()) {
            received = body.readAllBytes();
        }
        assertEquals(FIVE_MB, received.length);
        for (int i = 0; i < received.length; i += 4093) {
            assertEquals((byte) (i % 256), received[i], "byte " + i);
        }
    }

    /**
     * A slow upload must not hold one of the legacy app's workers while it arrives (gunicorn's sync
     * workers, and here its 8 threads, each wait for a body they read): Resident receives a body
     * whole before it asks the legacy app, as nginx did in front of gunicorn.
     */
    @Test
    void slowUploadsHoldNoneOfTheLegacyAppsWorkers() {
        int workers = GunicornProcess.THREADS;
        List<RawHttp> uploads = new java.util.ArrayList<>();
        try {
            for (int i = 0; i <= workers; i++) {
                uploads.add(new RawHttp(uri).send("POST /app/upload HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                        + "0123456789"));
            }
            Reply echo = new Browser(uri).get("/app/echo");
            assertEquals(200, echo.status(), "the legacy app still answers: " + echo.body());
            RawHttp finished = uploads.getFirst();
            finished.send(new byte[100000 - 10]);
            RawHttp.Answer answer = finished.answer(Duration.ofSeconds(10));
            assertEquals(200, answer.status(), answer.body());
            assertEquals(100000, Json.parse(answer.body()).get("length").asInt(), "the whole body reached it");
        } finally {
            uploads.forEach(RawHttp::close);
        }
    }

    /**
     * A client that reads an answer slowly must not hold one of the legacy app's workers while it
     * lags (a worker blocks writing an answer nobody takes): Resident takes the answer as fast as the
     * legacy app sends it, as nginx's {@code proxy_buffering} did, and the client reads at its pace.
     */
    @Test
    void slowReadersHoldNoneOfTheLegacyAppsWorkers() throws IOException {
        int workers = GunicornProcess.THREADS;
        int size = 20 << 20;
        List<RawHttp> readers = new java.util.ArrayList<>();
        try {
            for (int i = 0; i <= workers; i++) {
                readers.add(new RawHttp(uri, 4096).send("GET /app/stream?bytes=" + size + " HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
            Reply echo = new Browser(uri).get("/app/echo");
            assertEquals(200, echo.status(), "the legacy app still answers: " + echo.body());
            assertStreamed(size, readers.getFirst().answerBytes(Duration.ofSeconds(10)));
        } finally {
            readers.forEach(RawHttp::close);
        }
    }

    /**
     * What uploads hold on disk while they arrive is bounded per client address (and per process),
     * in a directory only Resident's user reads, and each file goes once its body is forwarded.
     */
    @Test
    void uploadsWaitOnDiskWithinTheAddresssShareAndLeaveNothingBehind(@TempDir Path parent) throws IOException {
        Path dir = parent.resolve("uploads");
        onAnotherServer(Map.of("legacy.upstream", legacy.url(),
                "legacy.spool.dir", dir.toString(),
                "resident.limits.per-address.enabled", "true",
                "legacy.spool.per-address", Integer.toString(64 * 1024)), browser -> {
            assertEquals("rwx------", permissions(dir));
            try (RawHttp held = new RawHttp(browser.base())) {
                held.send("POST /app/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: 70000\r\n\r\n").send(new byte[60 * 1024]);
                // 16 KiB in memory, the rest on disk
                Eventually.await(Duration.ofSeconds(10), "the held upload on disk", () -> onDisk(dir) == 44 * 1024);
                assertEquals("rw-------", permissions(onlyFile(dir)));
                assertError(browser.send(HttpRequest.newBuilder(browser.base().resolve("/app/upload"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[40 * 1024]))), 429, "rate_limited");
                Reply small = browser.send(HttpRequest.newBuilder(browser.base().resolve("/app/upload"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[16 * 1024])));
                assertEquals(16 * 1024, small.json().get("length").asInt(), "a body held in memory only passes");

                held.send(new byte[70000 - 60 * 1024]);
                RawHttp.Answer answer = held.answer(Duration.ofSeconds(10));
                assertEquals(200, answer.status(), answer.body());
                assertEquals("70000", Json.parse(answer.body()).path("length").asText(), answer.body());
            }
            assertEquals(0, onDisk(dir), "nothing left on disk");
            Reply next = browser.send(HttpRequest.newBuilder(browser.base().resolve("/app/upload"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[40 * 1024])));
            assertEquals(40 * 1024, next.json().get("length").asInt(), "the share is given back");
            assertEquals(0, onDisk(dir));
        });
    }

    /**
     * An answer waits on disk for its client within the address's share; past it, the legacy app
     * waits for the client (as before the spool), and the answer arrives whole and in order.
     */
    @Test
    void answersWaitOnDiskWithinTheAddresssShare(@TempDir Path dir) {
        int share = 1 << 20;
        int size = 8 << 20;
        onAnotherServer(Map.of("legacy.upstream", legacy.url(),
                "legacy.spool.dir", dir.toString(),
                "resident.limits.per-address.enabled", "true",
                "legacy.spool.per-address", Integer.toString(share)), browser -> {
            try (RawHttp reader = new RawHttp(browser.base(), 4096)) {
                reader.send("GET /app/stream?bytes=" + size + " HTTP/1.1\r\nHost: x\r\n\r\n");
                Eventually.await(Duration.ofSeconds(10), "the answer waiting on disk up to the share",
                        () -> onDisk(dir) > share - 2 * 65536);
                assertTrue(onDisk(dir) <= share, "within the share: " + onDisk(dir));
                // answers and uploads have budgets of their own: a reader that lags keeps no upload out
                Reply upload = browser.send(HttpRequest.newBuilder(browser.base().resolve("/app/upload"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024])));
                assertEquals(200, upload.status(), upload.body());
                assertStreamed(size, reader.answerBytes(Duration.ofSeconds(10)));
            }
            Eventually.await(Duration.ofSeconds(5), "nothing left on disk", () -> onDisk(dir) == 0);
        });
    }

    /**
     * A client that takes nothing of its answer is cut after the send timeout, and the legacy app's
     * worker that waited for it (its answer past the address's share of disk) is free again.
     */
    @Test
    void clientsThatReadNothingAreCutAndFreeTheLegacyAppsWorkers(@TempDir Path dir) {
        int workers = GunicornProcess.THREADS;
        onAnotherServer(Map.of("legacy.upstream", legacy.url(),
                "legacy.spool.dir", dir.toString(),
                "resident.limits.per-address.enabled", "true",
                "legacy.spool.per-address", Integer.toString(1 << 20),
                "resident.limits.send-timeout", "2s"), browser -> {
            Observe observe = new Observe(browser.base());
            List<RawHttp> stalled = new java.util.ArrayList<>();
            try {
                for (int i = 0; i <= workers; i++) {
                    stalled.add(new RawHttp(browser.base(), 4096).send("GET /app/stream?bytes=" + (64 << 20)
                            + " HTTP/1.1\r\nHost: x\r\n\r\n"));
                }
                Eventually.await(Duration.ofSeconds(30), "every client that reads nothing cut",
                        () -> observe.metric("resident_send_timeouts_total") == workers + 1);
                Reply echo = browser.get("/app/echo");
                assertEquals(200, echo.status(), "the legacy app answers: " + echo.body());
                Eventually.await(Duration.ofSeconds(5), "nothing left on disk", () -> onDisk(dir) == 0);
            } finally {
                stalled.forEach(RawHttp::close);
            }
        });
    }

    /** A 200 with the body of {@code /app/stream?bytes=size}: its bytes count 0 to 255 over and over. */
    private static void assertStreamed(int size, Map.Entry<Integer, byte[]> answer) {
        assertEquals(200, answer.getKey());
        byte[] body = answer.getValue();
        assertEquals(size, body.length, "the whole answer");
        for (int i = 0; i < size; i++) {
            if (body[i] != (byte) (i % 256)) {
                throw new AssertionError("byte " + i + " out of order: " + body[i]);
            }
        }
    }

    /** A temporary spool directory that a killed process left is deleted when the next one starts; a live one's stays. */
    @Test
    void aSpoolDirectoryLeftByAKilledProcessIsDeletedAtTheNextStart() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long dead = ProcessHandle.allProcesses().mapToLong(ProcessHandle::pid).max().orElse(1) + 100_000;
        Path left = Files.createTempDirectory(tmp, "resident-spool-" + dead + "-");
        Files.writeString(left.resolve("upload-1.part"), "half an upload");
        Path live = Files.createTempDirectory(tmp, "resident-spool-" + ProcessHandle.current().pid() + "-");
        try {
            onAnotherServer(Map.of("legacy.upstream", legacy.url()), browser -> {
                assertFalse(Files.exists(left), "the dead process's directory");
                assertTrue(Files.isDirectory(live), "a running process's stays");
            });
        } finally {
            Files.deleteIfExists(live);
            Files.deleteIfExists(left.resolve("upload-1.part"));
            Files.deleteIfExists(left);
        }
    }

    private static String permissions(Path path) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bytes of the files under {@code dir} (the spool is a directory of the process's in it). */
    private static long onDisk(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path onlyFile(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertEquals(1, all.size(), all.toString());
            return all.getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theLegacyAppsOwnErrorsAndEmptyAnswersPassAsTheyAre() {
        Browser browser = new Browser(uri);
        Reply error = browser.get("/app/status?code=500");
        assertEquals(500, error.status());
        assertEquals("<h1>legacy error page</h1>", error.body(), "not turned into a JSON error");
        Reply notModified = browser.get("/app/status?code=304");
        assertEquals(304, notModified.status());
        assertEquals(List.of("\"v1\""), notModified.headers().get("etag"));
        assertEquals("", notModified.body());
        assertEquals(204, browser.get("/app/status?code=204").status());
    }

    @Test
    void aLegacyAppStallingMidBodyGetsItsClientCutOff() throws Exception {
        HttpResponse<InputStream> stalled = new Browser(uri).http().send(
                HttpRequest.newBuilder(uri.resolve("/app/stream?bytes=1000000&stall_ms=10000")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stalled.statusCode(), "the answer had begun");
        long start = System.nanoTime();
        try (InputStream body = stalled.body()) {
            assertThrows(IOException.class, body::readAllBytes, "a cut body, never one that looks complete");
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 6, "cut after the 2 s timeout, not the 10 s stall: " + seconds);
    }

    @Test
    void bodiesOverTheLimitGet413() {
        Browser browser = new Browser(uri);
        byte[] tooLarge = new byte[MAX_BODY + 1];
        assertError(browser.send(HttpRequest.newBuilder(uri.resolve("/app/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(tooLarge))), 413, "too_large");
        assertError(browser.send(HttpRequest.newBuilder(uri.resolve("/app/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge)))),
                413, "too_large");
        assertEquals(200, browser.get("/app/echo").status(), "the bridge goes on");
    }

    @Test
    void aSlowLegacyAppGets504() {
        long start = System.nanoTime();
        assertError(new Browser(uri).get("/app/sleep?ms=10000"), 504, "gateway_timeout");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 6, "answered after the 2 s timeout, not the 10 s sleep: " + seconds);
    }

    /**
     * A legacy app that takes connections but reads nothing (every worker stuck, its backlog
     * accepting): an upload larger than the sockets' buffers is answered 504 within the timeout,
     * as a request without a body is, instead of waiting for the legacy app for ever.
     */
    @Test
    void anUploadToALegacyAppThatReadsNothingGets504() throws IOException {
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket frozen = new ServerSocket()) {
            frozen.setReceiveBufferSize(4096);
            frozen.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        held.add(frozen.accept()); // taken, never read
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            onAnotherServer(Map.of("legacy.upstream", "http://127.0.0.1:" + frozen.getLocalPort(),
                    "legacy.timeout", "2s", "legacy.max-body", Integer.toString(MAX_BODY)), browser -> {
                long start = System.nanoTime();
                try {
                    HttpResponse<String> reply = browser.http().send(HttpRequest.newBuilder(browser.base().resolve("/app/upload"))
                            .timeout(Duration.ofSeconds(20))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[MAX_BODY])).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(504, reply.statusCode(), reply.body());
                    assertTrue(reply.body().contains("gateway_timeout"), reply.body());
                    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                    assertTrue(seconds < 10, "answered within the 2 s timeout, give or take: " + seconds);
                } catch (IOException e) {
                    throw new AssertionError("no answer within 20 s for a legacy.timeout of 2 s", e);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    closeAll(held); // a write still blocked must not hold up the server's stop
                }
            });
        } finally {
            closeAll(held);
        }
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closed anyway
            }
        }
    }

    @Test
    void aStoppedLegacyAppGets502() {
        Browser browser = new Browser(uri);
        legacy.stop();
        try {
            assertError(browser.get("/app/echo"), 502, "bad_gateway");
            assertError(browser.post("/app/upload", "{\"x\":1}"), 502, "bad_gateway");
        } finally {
            legacy.restart();
        }
        assertEquals(200, browser.get("/app/echo").status(), "back once gunicorn is");
    }

    @Test
    void aGracefulStopLetsForwardedRequestsFinish() throws Exception {
        Resident stopping = TestServers.resident(Map.of("legacy.upstream", legacy.url()), new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(stopping::setup).build().start();
        Browser browser = new Browser(URI.create("http://127.0.0.1:" + server.port()));
        CompletableFuture<Reply> slow = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> slow.complete(browser.get("/app/sleep?ms=1000")));
        Eventually.await(Duration.ofSeconds(10), "the request is in flight", () -> stopping.lifecycle().inFlight() == 1);
        stopping.drainAndStop(server);
        assertEquals(200, slow.get(10, TimeUnit.SECONDS).status(), "answered before the server stopped");
    }

    @Test
    void theLegacyAppNotifiesResidentPages() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage("orders");
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        ObjectNode publish = Json.object().put("resident", uri.toString().replaceAll("/$", "")).put("table", "orders");
        publish.putArray("events").addObject().put("action", "U").put("pkey", 42);

        Reply reply = browser.post("/app/publish", publish);
        assertEquals(200, reply.status(), reply.body());
        assertEquals(202, reply.json().get("status").asInt(), reply.body());
        JsonNode dbevent = socket.next("dbevent");
        assertEquals("orders", dbevent.get("table").asText());
        assertEquals(42, dbevent.get("events").get(0).get("pkey").asInt());
        socket.close();
    }

    /** Runs {@code test} against a second Resident on its own port, configured with {@code overrides}. */
    private static void onAnotherServer(Map<String, String> overrides, Consumer<Browser> test) {
        Resident other = TestServers.resident(overrides, new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(other::setup).build().start();
        try {
            test.accept(new Browser(URI.create("http://127.0.0.1:" + server.port())));
        } finally {
            server.stop();
            other.close();
        }
    }

    /** One request over a plain socket, for headers java.net.http will not send; the final answer's head and body. */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String head = head(in);
            while (head.startsWith("HTTP/1.1 100")) {
                head = head(in);
            }
            Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
            byte[] body = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
            return head + new String(body, StandardCharsets.UTF_8);
        }
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        return head.toString();
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
