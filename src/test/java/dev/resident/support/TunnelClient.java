package dev.resident.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A browser's socket to a tunnelled legacy path: records the messages (text as is, binary as
 * {@code bin:<bytes as ISO-8859-1>}), the pings it receives and how it was closed.
 */
public final class TunnelClient implements WebSocket.Listener {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    /** How the socket was closed: the code and reason of the server's close frame. */
    public record Closed(int code, String reason) {
    }

    /** Opens a socket to {@code uri} ({@code ws://...}), with an {@code Origin} unless it is null. */
    public static CompletableFuture<TunnelClient> open(HttpClient http, URI uri, String origin, String cookie) {
        TunnelClient client = new TunnelClient();
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(WAIT);
        if (origin != null) {
            builder.header("Origin", origin);
        }
        if (cookie != null) {
            builder.header("Cookie", cookie);
        }
        return builder.buildAsync(uri, client).thenApply(socket -> {
            client.socket = socket;
            return client;
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            messages.add(partial.toString());
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        messages.add("bin:" + new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        pings.incrementAndGet();
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Closed(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.completeExceptionally(error);
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    /** Sends {@code text} and returns the answer. */
    public String ask(String text) {
        send(text);
        return next();
    }

    /** The next message, failing the test when none comes within 10 s. */
    public String next() {
        return next(WAIT);
    }

    /** The next message, failing the test when none comes within {@code timeout}. */
    public String next(Duration timeout) {
        try {
            String message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (message == null) {
                throw new AssertionError("no message within " + timeout);
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Pings received from the server so far. */
    public int pings() {
        return pings.get();
    }

    /** Closes from this side with {@code code}. */
    public void close(int code, String reason) {
        socket.sendClose(code, reason).join();
    }

    /** How the server closed the socket, failing the test when it does not within 10 s. */
    public Closed closed() {
        try {
            return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("not closed within " + WAIT, e);
        }
    }
}
