package dev.resident.web;

import io.helidon.websocket.WsSession;

/**
 * The end of a WebSocket's connection, for any socket listener. Helidon 4.5 calls neither
 * {@code onClose} nor {@code onError} when a client goes without a close frame (its read ends the
 * connection), so a listener that keeps anything for its socket (a cap's slot, an upstream socket)
 * also asks to be told here.
 */
public final class SocketEnds {
    private SocketEnds() {
    }

    /**
     * Runs {@code action} on the socket's own thread once its connection is over, however it ended;
     * also after {@code onClose} or {@code onError}, so it must bear running twice with them.
     */
    public static void whenEnded(WsSession session, Runnable action) {
        WatchedContext.whenEnded(session, action);
    }
}
