package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;

import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A page socket as a browser would hold it, recording every frame it receives. */
public final class SocketClient implements WebSocket.Listener {
    private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile String closeReason;
    private final StringBuilder partial = new StringBuilder();
    private final boolean reading;
    private WebSocket socket;

    private SocketClient(boolean reading) {
        this.reading = reading;
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
        String params = "page_id=" + Browser.encode(pageId) + query.entrySet().stream()
                .map(e -> "&" + e.getKey() + "=" + Browser.encode(e.getValue())).collect(Collectors.joining());
        URI uri = URI.create(browser.base().toString().replaceFirst("^http", "ws")).resolve("/_/ws?" + params);
        SocketClient client = new SocketClient(reading);
        WebSocket.Builder builder = browser.http().newWebSocketBuilder();
        headers.forEach(builder::header);
        client.socket = builder.buildAsync(uri, client).join();
        return client;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        if (reading) {
            webSocket.request(1);
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                frames.add(Json.parse(text));
            } catch (RuntimeException malformed) {
                // say what came, for a CI log: its length and both ends
                throw new IllegalStateException("a frame that is not JSON (" + text.length() + " chars): "
                        + abbreviated(text), malformed);
            }
        }
        webSocket.request(1);
        return null;
    }

    private static String abbreviated(String text) {
        return text.length() <= 400 ? text : text.substring(0, 200) + " ... " + text.substring(text.length() - 200);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeReason = reason;
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
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
        socket.sendText(text, true).join();
    }

    public void send(JsonNode frame) {
        send(Json.write(frame));
    }

    /** Sends one text message as several frames: {@code parts[0]} in a text frame, the rest in continuation frames. */
    public void sendFragments(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            socket.sendText(parts[i], i == parts.length - 1).join();
        }
    }

    /**
     * Like {@link #sendFragments}, but stops at the first part the socket no longer takes (the
     * server closed it meanwhile); read the close with {@link #closeCode}.
     */
    public void sendFragmentsWhileOpen(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            try {
                socket.sendText(parts[i], i == parts.length - 1).join();
            } catch (java.util.concurrent.CompletionException closedMeanwhile) {
                return;
            }
        }
    }

    /** Starts reading (for a client opened with {@code reading=false}). */
    public void startReading() {
        socket.request(Long.MAX_VALUE);
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

    public WebSocket raw() {
        return socket;
    }

    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(1000, "bye").exceptionally(e -> null);
        }
    }
}
