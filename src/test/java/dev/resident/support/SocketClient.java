package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A page socket as a browser would hold it, recording every frame it receives.
 *
 * <p>A WebSocket client of its own over a plain socket, not {@code java.net.http.WebSocket}: the
 * JDK's client (25) hands the bytes that arrive with or right after the {@code 101} over from its
 * HTTP/1 reader to the WebSocket unsafely, and now and then loses a chunk of them. The server sends
 * {@code hello} and the replay right after the {@code 101}, so a socket that resumed behind by
 * tens of KB got a frame cut short (not JSON) or bytes that were no frame at all (a protocol
 * error): SocketBoundsTest failed so, while what the server wrote, recorded between the two, was
 * intact. This one reads the {@code 101} a byte at a time, so nothing after it is read early.
 */
public final class SocketClient {
    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile String closeReason;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Frames this side sends go out one at a time, whole. */
    private final ReentrantLock sending = new ReentrantLock();
    /** Set once this side sent its close frame: nothing else goes out after it. */
    private volatile boolean outputClosed;
    private final AtomicBoolean reading = new AtomicBoolean();

    private SocketClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * @param origin  Origin header to send, or null for none
     * @param reading false for a client that never reads (its TCP buffers fill up)
     */
    public static SocketClient open(Browser browser, String pageId, Map<String, String> query, String origin,
                                    boolean reading) {
        return open(browser, pageId, query, origin == null ? Map.of() : Map.of("Origin", origin), reading);
    }

    /** A socket whose upgrade request carries {@code headers} too (an {@code X-Forwarded-For}, say). */
    public static SocketClient open(Browser browser, String pageId, Map<String, String> headers) {
        return open(browser, pageId, Map.of(), headers, true);
    }

    private static SocketClient open(Browser browser, String pageId, Map<String, String> query,
                                     Map<String, String> headers, boolean reading) {
        String target = "/_/ws?page_id=" + Browser.encode(pageId) + query.entrySet().stream()
                .map(e -> "&" + e.getKey() + "=" + Browser.encode(e.getValue())).collect(Collectors.joining());
        URI uri = browser.base().resolve(target);
        Socket socket = new Socket();
        try {
            if (browser.clientAddress() != null) {
                socket.bind(new InetSocketAddress(browser.clientAddress(), 0));
            }
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setTcpNoDelay(true);
            SocketClient client = new SocketClient(socket);
            client.upgrade(browser, uri, target, headers);
            if (reading) {
                client.startReading();
            }
            return client;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("socket to " + uri, e);
        }
    }

    /** Sends the upgrade request and reads the answer's head, and not a byte past it. */
    private void upgrade(Browser browser, URI uri, String target, Map<String, String> headers) throws IOException {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(key)).append("\r\n");
        for (Map.Entry<String, List<String>> cookies : browser.cookies().get(uri, Map.of()).entrySet()) {
            if (!cookies.getValue().isEmpty()) {
                request.append(cookies.getKey()).append(": ").append(String.join("; ", cookies.getValue())).append("\r\n");
            }
        }
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        socket.setSoTimeout(10_000);
        String status = line();
        Map<String, List<String>> answer = new HashMap<>();
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                answer.computeIfAbsent(header.substring(0, colon).trim(), name -> new ArrayList<>())
                        .add(header.substring(colon + 1).trim());
            }
        }
        socket.setSoTimeout(0);
        browser.cookies().put(uri, answer);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + status);
        }
    }

    /** One line of the upgrade's answer, read a byte at a time. */
    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection closed in the upgrade's answer: " + line);
            }
            line.append((char) b);
        }
        return line.toString().endsWith("\r") ? line.substring(0, line.length() - 1) : line.toString();
    }

    /** Reads the server's frames on a thread of its own until the connection ends. */
    private void read() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try {
            while (true) {
                int first = in.read();
                int second = in.read();
                if (first < 0 || second < 0) {
                    closed.complete(1006); // gone without a close frame, as the JDK's client reports it
                    return;
                }
                long length = second & 0x7f;
                if (length == 126) {
                    length = ((long) in.read() << 8) | in.read();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | in.read();
                    }
                }
                if ((second & 0x80) != 0 || length > Integer.MAX_VALUE - 8) {
                    throw new ProtocolException("a masked or impossible frame from the server: " + second + ", " + length);
                }
                byte[] payload = in.readNBytes((int) length);
                if (payload.length < length) {
                    throw new EOFException("the connection closed in a frame");
                }
                boolean fin = (first & 0x80) != 0;
                switch (first & 0x0f) {
                    case 0, 1 -> {
                        message.writeBytes(payload);
                        if (fin) {
                            String text = UTF_8.newDecoder().decode(ByteBuffer.wrap(message.toByteArray())).toString();
                            message.reset();
                            frames.add(parse(text));
                        }
                    }
                    case 8 -> {
                        int code = payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                        closeReason = payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, UTF_8);
                        closed.complete(code);
                        try {
                            sendClose(code == 1005 ? 1000 : code, ""); // the answer to the server's close, unless ours went
                        } catch (IOException gone) {
                            // the server may end the connection once it sent its close
                        }
                        closeQuietly(socket);
                        return;
                    }
                    case 9 -> send(10, payload, true); // a ping: pong
                    default -> {
                        // pongs and binary frames: nothing to record
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            closed.completeExceptionally(e);
            closeQuietly(socket);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return Json.parse(text);
        } catch (RuntimeException malformed) {
            // say what came, for a CI log: its length and both ends
            throw new IllegalStateException("a frame that is not JSON (" + text.length() + " chars): "
                    + abbreviated(text), malformed);
        }
    }

    private static String abbreviated(String text) {
        return text.length() <= 400 ? text : text.substring(0, 200) + " ... " + text.substring(text.length() - 200);
    }

    /**
     * Writes one masked frame; a data frame fails once this side's close frame went, a close or a
     * pong is then not sent.
     */
    private void send(int opcode, byte[] payload, boolean fin) throws IOException {
        sending.lock();
        try {
            if (outputClosed) {
                if (opcode == 8 || opcode == 10) {
                    return;
                }
                throw new IOException("the socket's output is closed");
            }
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
            frame.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else if (payload.length < 1 << 16) {
                frame.write(0x80 | 126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xff);
            } else {
                frame.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >> shift & 0xff));
                }
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.writeBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
            if (opcode == 8) {
                outputClosed = true;
            }
        } finally {
            sending.unlock();
        }
    }

    private void sendClose(int code, String reason) throws IOException {
        byte[] text = reason.getBytes(UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        send(8, payload, true);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }

    /** The next frame, failing the test after {@code timeout} of running time ({@link Deadline}). */
    public JsonNode next(Duration timeout) {
        return next(Deadline.after(timeout));
    }

    /** The next frame, failing the test once {@code deadline} has passed. */
    public JsonNode next(Deadline deadline) {
        try {
            while (true) {
                JsonNode frame = frames.poll(deadline.slice(), TimeUnit.NANOSECONDS);
                if (frame != null) {
                    return frame;
                }
                if (deadline.passed()) {
                    String state = closed.isDone()
                            ? "; the socket is closed: " + closed.handle((code, e) -> code != null ? code : e).join() : "";
                    throw new AssertionError("no frame within " + deadline.timeout() + " of running time (the process "
                            + "stood still " + deadline.stoodStill() + " besides)" + state);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public JsonNode next() {
        return next(Duration.ofSeconds(10));
    }

    /** The next frame matching {@code wanted}, skipping others (pings, for instance). */
    public JsonNode next(Predicate<JsonNode> wanted) {
        Deadline deadline = Deadline.after(Duration.ofSeconds(10));
        List<String> skipped = new ArrayList<>();
        while (true) {
            JsonNode frame;
            try {
                frame = next(deadline);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; frames skipped meanwhile: " + skipped, e);
            }
            if (wanted.test(frame)) {
                return frame;
            }
            skipped.add(frame.path("t").asText("?") + (frame.has("seq") ? "#" + frame.get("seq").asText() : ""));
        }
    }

    /** The next frame of type {@code t}. */
    public JsonNode next(String t) {
        return next(frame -> t.equals(frame.path("t").asText()));
    }

    /** The frames received so far and not yet taken. */
    public int pending() {
        return frames.size();
    }

    public void send(String text) {
        try {
            send(1, text.getBytes(UTF_8), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void send(JsonNode frame) {
        send(Json.write(frame));
    }

    /**
     * Sends {@code text} from another thread and returns at once: for a message the server may
     * refuse, or drop the connection of, before it has read it all.
     */
    public CompletableFuture<Void> sendInBackground(String text) {
        return CompletableFuture.runAsync(() -> send(text), runnable -> Thread.ofVirtual().start(runnable));
    }

    /** Sends one text message as several frames: {@code parts[0]} in a text frame, the rest in continuation frames. */
    public void sendFragments(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            try {
                send(i == 0 ? 1 : 0, parts[i].getBytes(UTF_8), i == parts.length - 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Like {@link #sendFragments}, but stops at the first part the socket no longer takes (the
     * server closed it meanwhile); read the close with {@link #closeCode}.
     */
    public void sendFragmentsWhileOpen(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            if (closed.isDone()) {
                return;
            }
            try {
                send(i == 0 ? 1 : 0, parts[i].getBytes(UTF_8), i == parts.length - 1);
            } catch (IOException closedMeanwhile) {
                return;
            }
        }
    }

    /** Starts reading (for a client opened with {@code reading=false}). */
    public void startReading() {
        if (reading.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("test-socket-reader").start(this::read);
        }
    }

    /** The close code the server sent, waiting up to {@code timeout}. */
    public int closeCode(Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        try {
            while (true) {
                try {
                    return closed.get(deadline.slice(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    if (deadline.passed()) {
                        throw new AssertionError("socket not closed within " + timeout, e);
                    }
                }
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("socket not closed cleanly", e);
        }
    }

    public int closeCode() {
        return closeCode(Duration.ofSeconds(10));
    }

    /** The reason of the server's close frame; read after {@link #closeCode}. */
    public String closeReason() {
        return closeReason;
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    /** Sends a close frame (1000); the server answers with its own, which {@link #closeCode} reads. */
    public void close() {
        try {
            sendClose(1000, "bye");
        } catch (IOException e) {
            // the connection is gone already
        }
    }
}
