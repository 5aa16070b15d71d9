package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A browser's socket to a tunnelled legacy path: records the messages (text as is, binary as
 * {@code bin:<bytes as ISO-8859-1>}), the pings it receives (each answered with a pong) and how
 * it was closed. Over {@link RawWebSocket}, not the JDK's client: see there why.
 */
public final class TunnelClient implements RawWebSocket.Listener {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private final RawWebSocket socket;

    /** How the socket was closed: the code and reason of the server's close frame. */
    public record Closed(int code, String reason) {
    }

    private TunnelClient(RawWebSocket socket) {
        this.socket = socket;
    }

    /**
     * Opens a socket to {@code uri} ({@code ws://...}), with an {@code Origin} and a {@code Cookie}
     * header unless they are null, on a thread of its own: several may open at once. An upgrade
     * answered with something else than {@code 101} fails the future with an
     * {@link UncheckedIOException} whose cause is a {@link RawWebSocket.UpgradeRefused} (its status).
     */
    public static CompletableFuture<TunnelClient> open(URI uri, String origin, String cookie) {
        Map<String, String> headers = new HashMap<>();
        if (origin != null) {
            headers.put("Origin", origin);
        }
        if (cookie != null) {
            headers.put("Cookie", cookie);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                TunnelClient client = new TunnelClient(RawWebSocket.connect(uri, null, null, headers));
                client.socket.startReading(client);
                return client;
            } catch (IOException e) {
                throw new UncheckedIOException("socket to " + uri, e);
            }
        }, runnable -> Thread.ofVirtual().start(runnable));
    }

    @Override
    public void onText(String text) {
        messages.add(text);
    }

    @Override
    public void onBinary(byte[] bytes) {
        messages.add("bin:" + new String(bytes, ISO_8859_1));
    }

    @Override
    public void onPing(byte[] payload) {
        pings.incrementAndGet();
    }

    @Override
    public void onClose(int code, String reason) {
        closed.complete(new Closed(code, reason));
    }

    @Override
    public void onError(Exception error) {
        closed.completeExceptionally(error);
    }

    public void send(String text) {
        send(RawWebSocket.TEXT, text.getBytes(UTF_8));
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

    public void sendBinary(byte[] bytes) {
        send(RawWebSocket.BINARY, bytes);
    }

    private void send(int opcode, byte[] payload) {
        try {
            socket.send(opcode, payload, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        try {
            socket.sendClose(code, reason);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
