package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.LogLines;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import dev.resident.web.Errors;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow headers (issue 9, finding 12) over real sockets: a request head dribbled a byte at a time, or
 * a connection that sends nothing, is cut after {@code resident.limits.header-timeout} while other
 * clients, an idle keep-alive connection and a silent WebSocket go on; one address holding
 * {@code resident.limits.per-address.connections} gets its next connection closed unanswered, and one
 * with more than {@code per-address.stalled-writes} answers nobody reads has those beyond closed.
 */
@Timeout(60)
class SlowHeadersTest {
    private static final String HEALTH = "GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";

    @Test
    void aHeadDribbledByteByByteIsCutAfterTheTimeoutWhileOthersGoOn() throws Exception {
        onServer(Map.of("resident.limits.header-timeout", "1s"), server -> {
            try (Socket idle = connect(server)) {
                assertEquals(200, exchange(idle, HEALTH), "a keep-alive connection");
                Browser browser = new Browser(server);
                String pageId = browser.benchPage();
                SocketClient socket = browser.socket(pageId);
                socket.next("hello");
                double before = new Observe(server).metric("resident_header_timeouts_total");

                long started = System.nanoTime();
                long cutAfter;
                try (Socket slow = connect(server)) {
                    OutputStream out = slow.getOutputStream();
                    InputStream in = slow.getInputStream();
                    slow.setSoTimeout(100);
                    byte[] head = "GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
                            .getBytes(StandardCharsets.US_ASCII);
                    int sent = 0;
                    boolean cut = false;
                    while (!cut && System.nanoTime() - started < Duration.ofSeconds(20).toNanos()) {
                        try {
                            out.write(head[sent++ % head.length]); // a header byte every 100 ms
                            out.flush();
                            cut = in.read() == -1; // the read waits 100 ms
                        } catch (java.net.SocketTimeoutException stillOpen) {
                            assertEquals(200, exchange(idle, HEALTH), "normal requests go on meanwhile");
                        } catch (IOException reset) {
                            cut = true;
                        }
                    }
                    cutAfter = Duration.ofNanos(System.nanoTime() - started).toMillis();
                    assertTrue(cut, "the dribbling connection was never cut");
                }
                assertTrue(cutAfter >= 1000, "cut before the timeout: " + cutAfter + " ms");
                assertTrue(cutAfter < 5000, "cut long after the timeout: " + cutAfter + " ms");
                assertEquals(before + 1, new Observe(server).metric("resident_header_timeouts_total"));

                try (Socket silent = connect(server)) {
                    long opened = System.nanoTime();
                    assertEquals(-1, silent.getInputStream().read(), "a connection that never sends is cut too");
                    long silentFor = Duration.ofNanos(System.nanoTime() - opened).toMillis();
                    assertTrue(silentFor >= 900 && silentFor < 5000, "cut after " + silentFor + " ms");
                } catch (java.net.SocketException reset) {
                    // cut: a reset is as good as an end of stream
                }

                assertEquals(200, exchange(idle, HEALTH), "an idle keep-alive connection outlives the header timeout");
                assertEquals(200, browser.rpc(pageId, "inc").status());
                assertEquals("data", socket.next("data").path("t").asText(),
                        "a silent WebSocket outlives the header timeout");
                socket.close();
            }
        });
    }

    /**
     * A request body must keep coming: one sent slower than {@code body-min-rate} is cut after the
     * body timeout (and a second more for each {@code body-min-rate} bytes that came), unanswered
     * and with nothing logged, while one that keeps the rate is read, however long it takes.
     */
    @Test
    void aBodyThatStopsComingIsCutAndOneThatKeepsComingIsRead() throws Exception {
        onServer(Map.of("resident.limits.body-timeout", "1s", "resident.limits.body-min-rate", "50"), server -> {
            try (LogLines errors = LogLines.of(Errors.class.getName());
                 LogLines helidon = LogLines.of("io.helidon.webserver.http.ErrorHandlers")) {
                Observe observe = new Observe(server);
                double before = observe.metric("resident_body_timeouts_total");
                String body = "{\"user\":\"alice\",\"password\":\"" + "x".repeat(700) + "\"}";
                String head = "POST /_/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length() + "\r\n\r\n";
                // 10 bytes a second: allowed 1 s + 0.2 s for each second that passed, cut at about 1.25 s
                Paced slow = sendPaced(server, head, body, 1);
                assertTrue(slow.cut(), "the slow body was never cut");
                assertTrue(slow.millis() >= 1000 && slow.millis() < 5000, "cut after " + slow.millis() + " ms");
                assertEquals(before + 1, observe.metric("resident_body_timeouts_total"));
                awaitOnlyTheObserversConnection(observe);
                assertEquals(List.of(), helidon.containing(""), "nothing logged for a body cut");

                // a body broken off by its client (a reset) is no error of the server's either
                try (Socket reset = connect(server)) {
                    reset.getOutputStream().write((head + body.substring(0, 20)).getBytes(StandardCharsets.US_ASCII));
                    reset.setSoLinger(true, 0);
                }
                awaitOnlyTheObserversConnection(observe);
                assertEquals(List.of(), helidon.containing(""), "nothing logged for a body reset");

                // 200 bytes a second: slower than any test's usual body, within the rate, and answered
                Paced steady = sendPaced(server, head, body, 20);
                assertFalse(steady.cut(), "a body that kept the rate was cut after " + steady.millis() + " ms");
                assertTrue(steady.millis() > 3000, "it took " + steady.millis() + " ms, past the timeout");
                assertEquals(List.of(), errors.containing("internal error"));
            }
        });
    }

    /** Waits until the server has ended every connection but the one {@code observe} reads the metrics on. */
    private static void awaitOnlyTheObserversConnection(Observe observe) {
        Eventually.await(Duration.ofSeconds(10), "the other connections ended",
                () -> observe.metric("resident_tcp_connections") == 1);
    }

    /** How a body sent {@code perTick} bytes every 100 ms ended: cut by the server, or answered, and after how long. */
    private record Paced(boolean cut, long millis) {
    }

    private static Paced sendPaced(URI server, String head, String body, int perTick) throws IOException {
        try (Socket socket = connect(server)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            socket.setSoTimeout(100);
            for (int sent = 0; sent < bytes.length; sent += perTick) {
                try {
                    out.write(bytes, sent, Math.min(perTick, bytes.length - sent));
                    out.flush();
                    if (sent + perTick >= bytes.length) {
                        break; // whole: the answer may come
                    }
                    if (in.read() == -1) { // the read waits 100 ms: the pace
                        return new Paced(true, Duration.ofNanos(System.nanoTime() - started).toMillis());
                    }
                    throw new AssertionError("answered before the body was whole");
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // the next piece
                } catch (IOException reset) {
                    return new Paced(true, Duration.ofNanos(System.nanoTime() - started).toMillis());
                }
            }
            socket.setSoTimeout(10_000);
            int first = in.read();
            return new Paced(first == -1, Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
    }

    /**
     * What follows an answer is timed too: the start of a next head sent behind a request
     * (pipelined) must complete within the header timeout, and a declared body the route did not
     * read (Helidon reads and drops it before the next request) must come within the body deadline.
     */
    @Test
    void aHeadBegunBehindARequestAndABodyLeftUnreadAreTimed() throws Exception {
        onServer(Map.of("resident.limits.header-timeout", "1s", "resident.limits.body-timeout", "1s",
                "resident.limits.body-min-rate", "50"), server -> {
            Observe observe = new Observe(server);
            double heads = observe.metric("resident_header_timeouts_total");
            double bodies = observe.metric("resident_body_timeouts_total");
            try (Socket pipelined = connect(server)) {
                assertEquals(200, exchange(pipelined, HEALTH + "GET /observe/health/live HTTP/1.1\r\nX-A: 1\r\n"));
                assertEquals(-1, pipelined.getInputStream().read(), "the begun head was cut");
            }
            try (Socket unread = connect(server)) {
                assertEquals(200, exchange(unread,
                        "GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n"));
                assertEquals(-1, unread.getInputStream().read(), "the unread body that never came was cut");
            } catch (java.net.SocketException reset) {
                // cut: a reset is as good as an end of stream
            }
            assertEquals(heads + 1, observe.metric("resident_header_timeouts_total"));
            assertEquals(bodies + 1, observe.metric("resident_body_timeouts_total"));
            try (Socket idle = connect(server)) {
                String open = "{\"path\":\"/_bench\"}";
                assertEquals(201, exchange(idle, "POST /_/pages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + open.length() + "\r\n\r\n" + open), "a body that was read");
                idle.setSoTimeout(3000);
                assertThrows(java.net.SocketTimeoutException.class, () -> idle.getInputStream().read(),
                        "a connection whose body was read is left to the idle timeout");
            }
        });
    }

    /**
     * A client that takes nothing of its answers has its connection closed after
     * {@code resident.limits.send-timeout} (the write waits for it), unlogged; one that reads them
     * slowly, a piece now and then, keeps its connection however long it takes.
     */
    @Test
    void anAnswerItsClientTakesNothingOfIsCutAndOneReadSlowlyIsNot() throws Exception {
        onServer(Map.of("resident.limits.send-timeout", "2s"), server -> {
            try (LogLines helidon = LogLines.of("io.helidon");
                 LogLines errors = LogLines.of(Errors.class.getName())) {
                Observe observe = new Observe(server);
                double before = observe.metric("resident_send_timeouts_total");
                // 24 KB a copy: 8 MB of answers, more than the socket buffers between them hold (4 MB)
                String requests = "GET /_/resident.js HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(340);
                long started = System.nanoTime();
                try (Socket stalled = smallWindow(server)) {
                    stalled.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
                    Eventually.await(Duration.ofSeconds(20), "the answers nobody takes cut",
                            () -> observe.metric("resident_send_timeouts_total") == before + 1);
                    long cutAfter = Duration.ofNanos(System.nanoTime() - started).toMillis();
                    assertTrue(cutAfter >= 2000, "cut before the timeout: " + cutAfter + " ms");
                    awaitOnlyTheObserversConnection(observe);
                }

                try (Socket steady = smallWindow(server)) {
                    steady.getOutputStream().write(requests.repeat(2).getBytes(StandardCharsets.US_ASCII));
                    InputStream in = steady.getInputStream();
                    byte[] piece = new byte[128 * 1024];
                    long reading = System.nanoTime();
                    // 128 KiB every 50 ms, for twice the timeout: slower than the server writes, so its
                    // writes wait for the reads all along. (A blocked write is woken once a third of
                    // the socket's send buffer is free: 4 MB here, 1.3 MB taken in less than a second.)
                    for (long read = 0; System.nanoTime() - reading < Duration.ofSeconds(4).toNanos(); read += piece.length) {
                        assertEquals(piece.length, in.readNBytes(piece, 0, piece.length),
                                "the slow reader's answers ended after " + read + " bytes");
                        Thread.sleep(50); // the client's pace: what is measured, not a wait for the server
                    }
                    assertEquals(before + 1, observe.metric("resident_send_timeouts_total"), "the slow reader was not cut");
                }
                assertEquals(List.of(), helidon.containing(""), "nothing logged by Helidon for a cut");
                assertEquals(List.of(), errors.containing("internal error"));
            }
        });
    }

    /**
     * A connection cut because its client took nothing is reset: the answers its send buffer still
     * held are dropped at once. Closed the usual way, the kernel kept them (up to 4 MB a socket) in an
     * orphan for minutes, trying to deliver them, so the cuts freed no memory (a helper's finding).
     */
    @Test
    void aConnectionCutForNotReadingIsResetAndItsBufferedAnswersDropped() throws Exception {
        onServer(Map.of("resident.limits.send-timeout", "1s"), server -> {
            Observe observe = new Observe(server);
            double before = observe.metric("resident_send_timeouts_total");
            // 4.8 MB of answers to 7.8 KB of requests the server reads at once: its writes block on a
            // full buffer while no request is left unread (a close with unread bytes resets anyway)
            String requests = "GET /_/resident.js HTTP/1.1\r\nHost: l\r\n\r\n".repeat(200);
            try (Socket stalled = smallWindow(server)) {
                stalled.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
                Eventually.await(Duration.ofSeconds(20), "the answers nobody takes cut",
                        () -> observe.metric("resident_send_timeouts_total") == before + 1);
                InputStream in = stalled.getInputStream();
                byte[] piece = new byte[64 * 1024];
                long read = 0;
                try {
                    for (int n; (n = in.read(piece)) >= 0; ) {
                        read += n;
                    }
                } catch (java.net.SocketException reset) {
                    // what a cut with a reset gives the client
                }
                assertTrue(read < 1_000_000, read + " bytes were still delivered after the cut");
            }
        });
    }

    /**
     * One address may have {@code resident.limits.per-address.stalled-writes} connections whose
     * write waits for a client that reads nothing (each holds its socket's kernel send buffer, up to
     * 4 MB): the sweep closes those beyond within seconds, long before the send timeout, and keeps
     * the cap's. A slow reader of the same address is not stalled, and another address is served.
     */
    @Test
    void anAddressKeepsAtMostItsStalledWrites() throws Exception {
        // a next head sent behind a request is timed from its answer on, so the header timeout
        // would cut a kept connection whose answer waits too: long, as the send timeout
        onServer(Map.of("resident.limits.per-address.stalled-writes", "4", "resident.limits.send-timeout", "60s",
                "resident.limits.header-timeout", "60s"), server -> {
            Observe observe = new Observe(server);
            double before = observe.metric("resident_stalled_writes_cut_total");
            double timedOut = observe.metric("resident_send_timeouts_total");
            // 24 KB a copy: 8 MB of answers, more than the socket buffers between them hold (4 MB)
            String requests = "GET /_/resident.js HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(340);
            List<RawHttp> stalled = new ArrayList<>();
            try (RawHttp steady = new RawHttp(server, 4096)) {
                steady.send(requests.repeat(4));
                // ~5 MB/s until the cut, slower than the server writes: its writes wait for its reads,
                // never a second; then at once
                AtomicBoolean paced = new AtomicBoolean(true);
                CompletableFuture<Integer> steadyAnswers = CompletableFuture.supplyAsync(() -> answers(steady, 4 * 340, paced));
                for (int i = 0; i < 12; i++) {
                    stalled.add(new RawHttp(server, 4096).send(requests));
                }
                try (RawHttp elsewhere = new RawHttp(server, InetAddress.getByName("127.0.0.2"))) {
                    assertEquals(200, elsewhere.send(HEALTH).answer().status(), "another address, meanwhile");
                }
                Eventually.await(Duration.ofSeconds(20), "the stalled writes beyond 4 cut",
                        () -> observe.metric("resident_stalled_writes_cut_total") >= before + 8);
                paced.set(false);
                assertEquals(4 * 340, steadyAnswers.get(30, TimeUnit.SECONDS), "the slow reader got every answer");
                assertEquals(200, steady.send(HEALTH).answer().status(), "and keeps its connection");

                int kept = 0;
                for (RawHttp connection : stalled) {
                    if (answers(connection, 340, new AtomicBoolean()) == 340) {
                        kept++;
                        assertEquals(200, connection.send(HEALTH).answer().status(), "a kept connection works on");
                    }
                }
                assertEquals(4, kept, "the connections kept");
                assertEquals(before + 8, observe.metric("resident_stalled_writes_cut_total"));
                assertEquals(timedOut, observe.metric("resident_send_timeouts_total"), "none waited for the send timeout");
            } finally {
                stalled.forEach(RawHttp::close);
            }
        });
    }

    /**
     * Reads up to {@code expected} answers from {@code connection}, pausing 5 ms after each while
     * {@code paced}: how many came before the connection ended.
     */
    private static int answers(RawHttp connection, int expected, AtomicBoolean paced) {
        int came = 0;
        try {
            for (; came < expected; came++) {
                connection.answer(Duration.ofSeconds(10));
                if (paced.get()) {
                    Thread.sleep(5); // the client's pace: what is measured, not a wait for the server
                }
            }
        } catch (UncheckedIOException | IllegalStateException cut) {
            return came;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return came;
    }

    /** A connection that takes at most 4 KB at a time: what the server writes waits for its reads. */
    private static Socket smallWindow(URI server) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new java.net.InetSocketAddress(server.getHost(), server.getPort()));
        socket.setSoTimeout(10_000);
        return socket;
    }

    @Test
    void oneAddressHoldsAtMostItsConnections() throws Exception {
        onServer(Map.of("resident.limits.per-address.connections", "3"), server -> {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket socket = connect(server);
                    held.add(socket);
                    assertEquals(200, exchange(socket, HEALTH));
                }
                try (Socket refused = connect(server)) {
                    assertEquals(-1, exchange(refused, HEALTH), "the fourth connection from 127.0.0.1");
                }
                for (Socket socket : held) {
                    assertEquals(200, exchange(socket, HEALTH), "the three held connections still work");
                }
                held.removeFirst().close();
                Eventually.await(Duration.ofSeconds(10), "a closed connection frees its slot", () -> {
                    try (Socket again = connect(server)) {
                        return exchange(again, HEALTH) == 200;
                    } catch (IOException e) {
                        return false;
                    }
                });
                for (Socket socket : held) {
                    socket.close();
                }
                Eventually.await(Duration.ofSeconds(10), "the refusal counted (once the slots are free)", () -> {
                    try {
                        return new Observe(server).metric("resident_connections_refused_total") >= 1;
                    } catch (RuntimeException slotsNotFreeYet) {
                        return false;
                    }
                });
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        });
    }

    private static Socket connect(URI server) throws IOException {
        Socket socket = new Socket(server.getHost(), server.getPort());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends {@code request} and reads one response: its status, or -1 when the connection ends unanswered. */
    private static int exchange(Socket socket, String request) throws IOException {
        socket.setSoTimeout(10_000);
        try {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b == -1) {
                    return -1;
                }
                head.append((char) b);
            }
            String lower = head.toString().toLowerCase();
            int at = lower.indexOf("content-length:");
            if (at >= 0) {
                in.readNBytes(Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim()));
            } else if (lower.contains("transfer-encoding: chunked")) {
                int size;
                do {
                    size = Integer.parseInt(line(in), 16);
                    in.readNBytes(size + 2);
                } while (size > 0);
            }
            return Integer.parseInt(head.substring(9, 12));
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new java.io.EOFException("in a chunked body");
            }
            line.append((char) b);
        }
        return line.toString().trim();
    }

    /** Runs {@code test} against a Resident on its own port with the per-address caps on and {@code overrides}. */
    private static void onServer(Map<String, String> overrides, ThrowingConsumer test) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(overrides);
        all.put("resident.limits.per-address.enabled", "true");
        Resident resident = TestServers.resident(all, new PageTypes());
        // the sockets Main runs with (application.yaml's server.use-nio: false), which the cuts reset
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).useNio(false).update(resident::setup)
                .build().start();
        try {
            test.accept(URI.create("http://127.0.0.1:" + server.port()));
        } finally {
            server.stop();
            resident.close();
        }
    }

    private interface ThrowingConsumer {
        void accept(URI server) throws Exception;
    }
}
