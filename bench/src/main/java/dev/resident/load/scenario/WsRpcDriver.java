package dev.resident.load.scenario;

import dev.resident.load.net.Ascii;
import dev.resident.load.net.EventLoop;
import dev.resident.load.net.WsLink;
import dev.resident.load.net.WsListener;

import java.nio.charset.StandardCharsets;

/**
 * A client calling its page with {@code {"t":"rpc"}} frames on the page's socket. Pushed
 * messages between the calls (the {@code data} message of {@code inc}) are read and skipped;
 * {@code {"t":"ping"}} is answered with {@code {"t":"pong"}}.
 */
final class WsRpcDriver extends RpcDriver implements WsListener {
    static final byte[] RESULT = bytes("\"result\"");
    static final byte[] ERROR = bytes("\"error\"");
    static final byte[] PING = bytes("\"ping\"");
    static final byte[] PONG = bytes("{\"t\":\"pong\"}");
    private final String target;
    private final String cookie;
    private final String callTail;
    private WsLink link;
    private long nextId;

    /**
     * @param target   {@code /_/ws?page_id=...}
     * @param callTail the frame after its id, e.g. {@code ,"method":"inc"}}
     */
    WsRpcDriver(Run run, EventLoop loop, Window window, Recorder recorder, Runnable onFinish, String target,
                String cookie, String callTail) {
        super(run, loop, window, recorder, onFinish);
        this.target = target;
        this.cookie = cookie;
        this.callTail = callTail;
    }

    @Override
    protected void connect() {
        link = WsLink.open(loop, run.address(), null, target, cookie, this);
    }

    @Override
    protected void write() {
        link.sendText(bytes("{\"t\":\"rpc\",\"id\":" + (++nextId) + callTail));
    }

    @Override
    protected void disconnect() {
        if (link.isOpen()) {
            link.sendClose(1000);
        }
        link.close(null);
    }

    @Override
    public void onOpen(WsLink from) {
        send();
    }

    @Override
    public void onText(WsLink from, byte[] buf, int start, int end) {
        if (Ascii.isType(buf, start, end, RESULT)) {
            answered(null);
        } else if (Ascii.isType(buf, start, end, ERROR)) {
            answered("error_frame");
        } else if (Ascii.isType(buf, start, end, PING)) {
            from.sendText(PONG);
        }
    }

    @Override
    public void onClosed(WsLink from, int code, Throwable cause) {
        if (!finished()) {
            lost(code > 0 ? "closed_" + code : "connection_lost");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
