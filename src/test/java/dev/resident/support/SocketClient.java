package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A page socket as a browser would hold it, recording every frame it receives (over
 * {@link RawWebSocket}, not the JDK's client: see there why).
 */
public final class SocketClient {
    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final CompletableFuture<byte[]> firstPong = new CompletableFuture<>();
    private volatile String closeReason;
    private final RawWebSocket socket;

    private SocketClient(RawWebSocket socket) {
        this.socket = socket;
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
        try {
            SocketClient client = new SocketClient(RawWebSocket.connect(uri, browser.clientAddress(), browser.cookies(), headers));
            if (reading) {
                client.startReading();
            }
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException("socket to " + uri, e);
        }
    }

    /** What the reader hands over: frames parsed, the close and its reason, pongs. */
    private final class Frames implements RawWebSocket.Listener {
        @Override
        public void onText(String text) {
            frames.add(parse(text));
        }

        @Override
        public void onPong(byte[] payload) {
            firstPong.complete(payload);
        }

        @Override
        public void onClose(int code, String reason) {
            closeReason = reason;
            closed.complete(code);
        }

        @Override
        public void onError(Exception error) {
            closed.completeExceptionally(error);
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

    /** Sends a ping frame with {@code payload}. */
    public void ping(byte[] payload) {
        try {
            socket.send(RawWebSocket.PING, payload, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The payload of the first pong the server sent, waiting up to 10 s. */
    public byte[] pong() {
        try {
            return firstPong.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("no pong within 10 s", e);
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
            socket.send(RawWebSocket.TEXT, text.getBytes(UTF_8), true);
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
                socket.send(i == 0 ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, parts[i].getBytes(UTF_8), i == parts.length - 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Sends one raw frame: any opcode, any fin, any payload (a protocol violation included). */
    public void sendFrame(int opcode, byte[] payload, boolean fin) {
        try {
            socket.send(opcode, payload, fin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends one text message as several frames of the bytes given, which need not end on a
     * character: a browser cuts a large message into frames by bytes.
     */
    public void sendFragments(byte[]... parts) {
        for (int i = 0; i < parts.length; i++) {
            try {
                socket.send(i == 0 ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, parts[i], i == parts.length - 1);
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
                socket.send(i == 0 ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, parts[i].getBytes(UTF_8), i == parts.length - 1);
            } catch (IOException closedMeanwhile) {
                return;
            }
        }
    }

    /** Starts reading (for a client opened with {@code reading=false}). */
    public void startReading() {
        socket.startReading(new Frames());
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

    /** Drops the connection without a close frame, as a client that goes away does. */
    public void abort() {
        socket.abort();
    }

    /** Sends a close frame (1000); the server answers with its own, which {@link #closeCode} reads. */
    public void close() {
        try {
            socket.sendClose(1000, "bye");
        } catch (IOException e) {
            // the connection is gone already
        }
    }
}
