package dev.resident.load.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One page socket ({@code /_/ws}) seen as a queue of parsed frames; the end of the socket is a
 * frame of its own ({@code {"t":"_closed","code"}} or {@code {"t":"_error"}}).
 */
final class SoakSocket implements WebSocket.Listener {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    private SoakSocket() {
    }

    static SoakSocket open(HttpClient http, URI base, String cookie, String pageId, long after, String epoch)
            throws IOException, InterruptedException {
        URI uri = URI.create("ws://" + base.getAuthority() + "/_/ws?page_id="
                + URLEncoder.encode(pageId, StandardCharsets.UTF_8) + "&after=" + after
                + "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8));
        SoakSocket listener = new SoakSocket();
        try {
            listener.socket = http.newWebSocketBuilder()
                    .header("Cookie", "rsd_cid=" + cookie)
                    .connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(uri, listener)
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("socket did not open: " + e.getMessage(), e);
        }
        return listener;
    }

    /** The next frame, or null after {@code timeout}. */
    JsonNode next(Duration timeout) throws InterruptedException {
        return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    void send(String text) {
        socket.sendText(text, true).join();
    }

    /** Starts the closing handshake; the {@code _closed} frame follows. */
    void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
    }

    void abort() {
        socket.abort();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                frames.add(JSON.readTree(partial.toString()));
            } catch (IOException e) {
                frames.add(JSON.createObjectNode().put("t", "_error").put("message", "not JSON: " + partial));
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        ObjectNode closed = JSON.createObjectNode().put("t", "_closed").put("code", statusCode).put("reason", reason);
        frames.add(closed);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        frames.add(JSON.createObjectNode().put("t", "_error").put("message", String.valueOf(error)));
    }
}
