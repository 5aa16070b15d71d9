package dev.resident.load.ceiling;

import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

/**
 * Says hello, then answers every text message with a constant result frame; while open it is one
 * of the sockets {@code POST /_/dbevent} writes to.
 */
final class CeilingSocket implements WsListener {
    private final CeilingSockets sockets;

    CeilingSocket(CeilingSockets sockets) {
        this.sockets = sockets;
    }

    @Override
    public void onOpen(WsSession session) {
        sockets.opened(session, seq -> "{\"t\":\"hello\",\"page_id\":\"ceiling\",\"epoch\":\"e\",\"seq\":" + seq + "}");
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (last) {
            session.send("{\"t\":\"result\",\"id\":1,\"result\":1,\"seq\":1}", true);
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        sockets.closed(session);
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        sockets.closed(session);
    }
}
