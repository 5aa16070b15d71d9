package dev.resident.load.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client connection (RFC 6455): the upgrade, masked text frames out, text, ping and
 * close frames in (fragments reassembled). Ping frames are answered with pong frames. A text
 * message that is a JSON array (Resident's {@code batch=1}) reaches the listener as its elements,
 * one {@code onText} each.
 */
public final class WsLink extends Link {
    private static final byte[] SWITCHING = "HTTP/1.1 101".getBytes(StandardCharsets.ISO_8859_1);
    private final WsListener listener;
    private final byte[] upgrade;
    private boolean open;
    private int closeCode = -1;
    private byte[] fragments;
    private int fragmentsLength;

    private WsLink(EventLoop loop, byte[] upgrade, WsListener listener) {
        super(loop);
        this.upgrade = upgrade;
        this.listener = listener;
    }

    /**
     * The path and query of a page's socket: {@code /_/ws?page_id=X}, plus the query options in
     * {@code BENCH_WS_QUERY} (e.g. {@code batch=1}), which every fleet inherits.
     */
    public static String pageTarget(String pageId) {
        String extra = System.getenv().getOrDefault("BENCH_WS_QUERY", "").trim();
        return "/_/ws?page_id=" + URLEncoder.encode(pageId, StandardCharsets.UTF_8) + (extra.isEmpty() ? "" : "&" + extra);
    }

    /**
     * Connects and asks for the upgrade; call on {@code loop}'s thread.
     *
     * @param target  path and query, e.g. {@code /_/ws?page_id=X}
     * @param cookie  the {@code Cookie} header value, or null
     */
    public static WsLink open(EventLoop loop, InetSocketAddress remote, InetAddress source, String target,
                              String cookie, WsListener listener) {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String head = "GET " + target + " HTTP/1.1\r\nHost: " + remote.getHostString() + ":" + remote.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(key) + "\r\n" + (cookie == null ? "" : "Cookie: " + cookie + "\r\n")
                + "\r\n";
        WsLink link = new WsLink(loop, head.getBytes(StandardCharsets.ISO_8859_1), listener);
        link.connect(remote, source);
        return link;
    }

    public boolean isOpen() {
        return open && !isClosed();
    }

    /** Sends one text message. */
    public void sendText(byte[] utf8) {
        sendFrame(0x1, utf8, utf8.length);
    }

    /** Starts the closing handshake with {@code code}. */
    public void sendClose(int code) {
        byte[] payload = {(byte) (code >> 8), (byte) code};
        sendFrame(0x8, payload, 2);
    }

    @Override
    protected void onConnected() {
        write(ByteBuffer.wrap(upgrade));
    }

    @Override
    protected void onData(ByteBuffer buffer) {
        if (!open && !readUpgrade(buffer)) {
            return;
        }
        while (!isClosed() && readFrame(buffer)) {
            // one frame per turn
        }
    }

    @Override
    protected void onClosed(Throwable cause) {
        listener.onClosed(this, closeCode, cause);
    }

    private boolean readUpgrade(ByteBuffer buffer) {
        byte[] buf = buffer.array();
        int start = buffer.arrayOffset() + buffer.position();
        int limit = buffer.arrayOffset() + buffer.limit();
        int headEnd = Ascii.indexOf(buf, start, limit, Ascii.HEAD_END);
        if (headEnd < 0) {
            return false;
        }
        if (!Ascii.startsWith(buf, start, limit, SWITCHING)) {
            closeCode = Ascii.status(buf, start);
            close(new IOException("upgrade refused with HTTP " + closeCode));
            return false;
        }
        buffer.position(headEnd + 4 - buffer.arrayOffset());
        open = true;
        listener.onOpen(this);
        return true;
    }

    /** Consumes one complete frame, or returns false and leaves the buffer untouched. */
    private boolean readFrame(ByteBuffer buffer) {
        byte[] buf = buffer.array();
        int start = buffer.arrayOffset() + buffer.position();
        int limit = buffer.arrayOffset() + buffer.limit();
        if (limit - start < 2) {
            return false;
        }
        boolean fin = (buf[start] & 0x80) != 0;
        int opcode = buf[start] & 0x0f;
        boolean masked = (buf[start + 1] & 0x80) != 0;
        long length = buf[start + 1] & 0x7f;
        int at = start + 2;
        if (length == 126) {
            if (limit - at < 2) {
                return false;
            }
            length = ((buf[at] & 0xff) << 8) | (buf[at + 1] & 0xff);
            at += 2;
        } else if (length == 127) {
            if (limit - at < 8) {
                return false;
            }
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | (buf[at + i] & 0xff);
            }
            at += 8;
        }
        int maskAt = at;
        if (masked) {
            at += 4;
        }
        if (limit - at < length) {
            return false;
        }
        int end = at + (int) length;
        if (masked) {
            for (int i = at; i < end; i++) {
                buf[i] ^= buf[maskAt + ((i - at) & 3)];
            }
        }
        buffer.position(end - buffer.arrayOffset());
        frame(fin, opcode, buf, at, end);
        return true;
    }

    private void frame(boolean fin, int opcode, byte[] buf, int from, int to) {
        switch (opcode) {
            case 0x0, 0x1 -> text(fin, opcode, buf, from, to);
            case 0x8 -> {
                closeCode = to - from >= 2 ? ((buf[from] & 0xff) << 8) | (buf[from + 1] & 0xff) : 1005;
                sendClose(closeCode == 1005 ? 1000 : closeCode);
                close(null);
            }
            case 0x9 -> sendFrame(0xA, Arrays.copyOfRange(buf, from, to), to - from);
            default -> {
                // pong and binary frames carry nothing for the protocol
            }
        }
    }

    private void text(boolean fin, int opcode, byte[] buf, int from, int to) {
        if (fin && opcode == 0x1 && fragmentsLength == 0) {
            message(buf, from, to);
            return;
        }
        if (fragments == null || fragments.length < fragmentsLength + to - from) {
            fragments = Arrays.copyOf(fragments == null ? new byte[0] : fragments,
                    Math.max(4096, (fragmentsLength + to - from) * 2));
        }
        System.arraycopy(buf, from, fragments, fragmentsLength, to - from);
        fragmentsLength += to - from;
        if (fin) {
            int length = fragmentsLength;
            fragmentsLength = 0;
            message(fragments, 0, length);
        }
    }

    private void message(byte[] buf, int from, int to) {
        if (from < to && buf[from] == '[') {
            Ascii.forEachObject(buf, from, to, (start, end) -> listener.onText(this, buf, start, end));
        } else {
            listener.onText(this, buf, from, to);
        }
    }

    private void sendFrame(int opcode, byte[] payload, int length) {
        int header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
        ByteBuffer frame = ByteBuffer.allocate(header + 4 + length);
        frame.put((byte) (0x80 | opcode));
        if (length < 126) {
            frame.put((byte) (0x80 | length));
        } else if (length < 65_536) {
            frame.put((byte) (0x80 | 126)).putShort((short) length);
        } else {
            frame.put((byte) (0x80 | 127)).putLong(length);
        }
        int mask = ThreadLocalRandom.current().nextInt();
        frame.putInt(mask);
        for (int i = 0; i < length; i++) {
            frame.put((byte) (payload[i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        frame.flip();
        write(frame);
    }
}
