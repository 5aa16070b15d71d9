package dev.resident.load.ceiling;

import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

/** Says hello, then answers every text message with a constant result frame. */
final class CeilingSocket implements WsListener {
    @Override
    public void onOpen(WsSession session) {
        session.send("{\"t\":\"hello\",\"page_id\":\"ceiling\",\"epoch\":\"e\",\"seq\":0}", true);
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (last) {
            session.send("{\"t\":\"result\",\"id\":1,\"result\":1,\"seq\":1}", true);
        }
    }
}
