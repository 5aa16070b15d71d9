package dev.resident;

import dev.resident.support.TestServers;
import dev.resident.support.WsEchoProcess;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Stress: the legacy socket server sends N text messages of S chars right after its 101
 * (ws_echo.py ?burst=N&size=S); the tunnel (JDK WebSocket client upstream) must pass every one
 * whole and in order. The browser side is a raw-socket WebSocket client (not the JDK's).
 * Knobs: -Dstress.seconds (default 150), -Dstress.parallel (4), -Dstress.direct=true to
 * bypass Resident (a check of the harness against the Python server itself).
 *
 * <p>Not part of the suite: it runs only when {@code -Dstress.seconds} is given. With Java's
 * WebSocket client as the tunnel's upstream client (JDK 25), about one connection in 1,500 here lost
 * data (26 of 45,538 and 37 of 51,721 in 130 s runs, half of them a whole message with wrong
 * content), none straight to the Python server; with {@code UpstreamSocket}, 0 of 67,324 in 90 s.
 */
@EnabledIfSystemProperty(named = "stress.seconds", matches = ".+")
@ServerTest
@Timeout(240)
class TunnelBurstStressTest {
    private static WsEchoProcess legacy;
    private static Resident resident;
    private final URI uri;

    TunnelBurstStressTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        legacy = new WsEchoProcess(Duration.ofSeconds(20));
        resident = TestServers.setup(server, Map.of(
                "legacy.upstream", legacy.url(),
                "legacy.connect-timeout", "30s",
                "resident.limits.max-ws-message", Integer.toString(1024 * 1024)));
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    static String expected(int i, int size) {
        String pattern = i + "-abcdefghijklmnopqrstuvwxyz0123456789|";
        StringBuilder body = new StringBuilder(size + pattern.length());
        while (body.length() < size) {
            body.append(pattern);
        }
        return i + ":" + body.substring(0, size);
    }

    @Test
    void everyBurstMessageArrivesWhole() throws Exception {
        long seconds = Long.getLong("stress.seconds", 150);
        int parallel = Integer.getInteger("stress.parallel", 4);
        boolean direct = Boolean.getBoolean("stress.direct");
        int port = direct ? URI.create(legacy.url()).getPort() : uri.getPort();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        AtomicInteger connections = new AtomicInteger();
        AtomicLong messages = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        List<String> examples = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        List<Future<?>> runs = new ArrayList<>();
        for (int t = 0; t < parallel; t++) {
            runs.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    int n = ThreadLocalRandom.current().nextInt(4, 9);
                    int size = ThreadLocalRandom.current().nextInt(20_000, 60_001);
                    int c = connections.incrementAndGet();
                    String failure;
                    try {
                        failure = oneConnection(port, n, size, messages, bytes);
                    } catch (Exception e) {
                        failure = "exception " + e;
                    }
                    if (failure != null) {
                        String shape = failure.replaceAll("\\d+", "#");
                        failures.computeIfAbsent(shape, k -> new AtomicInteger()).incrementAndGet();
                        if (examples.size() < 30) {
                            examples.add("conn " + c + " N=" + n + " S=" + size + ": " + failure);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> run : runs) {
            run.get();
        }
        pool.shutdown();
        int failed = failures.values().stream().mapToInt(AtomicInteger::get).sum();
        String report = "STRESS " + (direct ? "direct-to-legacy" : "through-tunnel") + ": connections="
                + connections.get() + " messagesChecked=" + messages.get() + " bytes=" + bytes.get()
                + " failedConnections=" + failed + " shapes=" + failures + "\nexamples:\n" + String.join("\n", examples);
        System.out.println(report);
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "tunnel-burst-stress.txt"), report + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(0, failed, report);
    }

    /** One socket: null when all N messages came whole and in order, else what was wrong. */
    private static String oneConnection(int port, int n, int size, AtomicLong messages, AtomicLong bytes)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 65536));
            byte[] key = new byte[16];
            ThreadLocalRandom.current().nextBytes(key);
            out.write(("GET /websocket?burst=" + n + "&size=" + size + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                    + Base64.getEncoder().encodeToString(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = head(in);
            if (!head.startsWith("HTTP/1.1 101")) {
                return "upgrade refused: " + head.lines().findFirst().orElse("");
            }
            for (int i = 0; i < n; i++) {
                Object message;
                try {
                    message = readMessage(in, out);
                } catch (SocketTimeoutException e) {
                    return "timeout waiting for message " + i + " of " + n;
                } catch (EOFException e) {
                    return "eof before message " + i + " of " + n;
                }
                if (message instanceof Close close) {
                    return "close " + close.code + " '" + close.reason + "' after " + i + " of " + n + " messages"
                            + (close.partialBytes > 0 ? " and a partial message (fragments) of " + close.partialBytes + " bytes" : "");
                }
                String text = (String) message;
                String want = expected(i, size);
                if (!text.equals(want)) {
                    int diff = 0;
                    while (diff < Math.min(text.length(), want.length()) && text.charAt(diff) == want.charAt(diff)) {
                        diff++;
                    }
                    String prefix = text.substring(0, Math.min(12, text.length())).replaceAll("[^ -~]", "?");
                    String then;
                    try {
                        socket.setSoTimeout(5_000);
                        Object next = readMessage(in, out);
                        then = next instanceof Close close ? "then close " + close.code + " '" + close.reason + "'"
                                : "then a message of length " + ((String) next).length();
                    } catch (IOException e) {
                        then = "then " + e.getClass().getSimpleName();
                    }
                    String at = text.substring(diff, Math.min(text.length(), diff + 8)).replaceAll("[^ -~]", "?");
                    return "message " + i + " of " + n + " wrong: length " + text.length() + " want " + want.length()
                            + ", first difference at " + diff + " ('" + at + "'), " + then;
                }
                messages.incrementAndGet();
                bytes.addAndGet(text.length());
            }
            // a clean close: ours, then the answer; anything else before it is extra
            out.write(frame(8, new byte[] {0x03, (byte) 0xe8}));
            out.flush();
            try {
                Object after = readMessage(in, out);
                if (!(after instanceof Close close)) {
                    return "extra message after " + n + ": length " + ((String) after).length();
                }
                if (close.code != 1000) {
                    return "close answered with " + close.code + " '" + close.reason + "'";
                }
            } catch (IOException e) {
                return "close not answered: " + e;
            }
            return null;
        }
    }

    private record Close(int code, String reason, int partialBytes) {
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("in the head: " + head);
            }
            head.append((char) c);
        }
        return head.toString();
    }

    /** The next whole data message (fragments joined) as a String, or a Close; pings answered. */
    private static Object readMessage(DataInputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int messageOpcode = -1;
        while (true) {
            int first = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            boolean fin = (first & 0x80) != 0;
            int opcode = first & 0x0f;
            if ((first & 0x70) != 0) {
                throw new IOException("RSV bits set: " + Integer.toHexString(first));
            }
            if ((second & 0x80) != 0) {
                throw new IOException("masked frame from the server");
            }
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            if (length > 16 * 1024 * 1024) {
                throw new IOException("frame length " + length);
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            switch (opcode) {
                case 8 -> {
                    int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                    String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                    return new Close(code, reason, data.size());
                }
                case 9 -> {
                    out.write(frame(10, payload));
                    out.flush();
                }
                case 10 -> {
                }
                case 0, 1, 2 -> {
                    if (opcode != 0) {
                        if (messageOpcode != -1) {
                            throw new IOException("new data frame inside a fragmented message");
                        }
                        messageOpcode = opcode;
                    } else if (messageOpcode == -1) {
                        throw new IOException("continuation without a start");
                    }
                    data.write(payload);
                    if (fin) {
                        return new String(data.toByteArray(), StandardCharsets.UTF_8);
                    }
                }
                default -> throw new IOException("opcode " + opcode);
            }
        }
    }

    private static byte[] frame(int opcode, byte[] payload) {
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        frame.write(0x80 | payload.length); // control frames only here: under 126
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }
}
