package dev.resident.load.ceiling;

import io.helidon.websocket.WsSession;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * The ceiling's open sockets and the one seq they share: every socket gets every dbevent, so a
 * socket's next seq is the server's. {@link #sendToAll} is the bare write loop: the same text,
 * written to one socket after the other by the calling thread. One publisher at a time.
 */
final class CeilingSockets {
    private final Set<WsSession> open = ConcurrentHashMap.newKeySet();
    private long seq;

    /** Sends {@code session} the hello {@code hello} makes of the current seq, then adds it. */
    synchronized void opened(WsSession session, LongFunction<String> hello) {
        session.send(hello.apply(seq), true);
        open.add(session);
    }

    void closed(WsSession session) {
        open.remove(session);
    }

    /** Sends the text {@code frame} makes of the next seq to every open socket. */
    synchronized void sendToAll(LongFunction<String> frame) {
        String text = frame.apply(++seq);
        for (WsSession session : open) {
            try {
                session.send(text, true);
            } catch (RuntimeException e) {
                open.remove(session);
            }
        }
    }
}
