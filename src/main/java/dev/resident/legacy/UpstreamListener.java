package dev.resident.legacy;

import io.helidon.common.buffers.BufferData;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * The legacy side of a {@link SocketTunnel}: each frame from the legacy socket server is written
 * to the browser on a virtual thread, and the next is asked for only once it is written, so at
 * most one frame per tunnel waits in memory however slow the browser reads. Java's client
 * answers the legacy side's pings itself; they are passed on to the browser as well.
 */
final class UpstreamListener implements WebSocket.Listener {
    private static final Executor WRITERS = Executors.newVirtualThreadPerTaskExecutor();
    private final SocketTunnel tunnel;

    UpstreamListener(SocketTunnel tunnel) {
        this.tunnel = tunnel;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        String text = data.toString();
        return relay(webSocket, () -> tunnel.session().send(text, last));
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        BufferData bytes = copy(data);
        return relay(webSocket, () -> tunnel.session().send(bytes, last));
    }

    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        BufferData bytes = copy(message);
        return relay(webSocket, () -> tunnel.session().ping(bytes));
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        BufferData bytes = copy(message);
        return relay(webSocket, () -> tunnel.session().pong(bytes));
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        tunnel.closedByUpstream(statusCode, reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        tunnel.closedByUpstream(1006, "");
    }

    private CompletionStage<?> relay(WebSocket webSocket, Runnable write) {
        return CompletableFuture.runAsync(() -> tunnel.toBrowser(write), WRITERS)
                .whenComplete((done, failure) -> webSocket.request(1));
    }

    private static BufferData copy(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        return BufferData.create(bytes);
    }
}
