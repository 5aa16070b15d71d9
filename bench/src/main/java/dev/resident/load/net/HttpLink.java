package dev.resident.load.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * An HTTP/1.1 keep-alive connection carrying one request at a time (no pipelining, as a browser
 * does). Requests are sent pre-encoded; responses ({@code Content-Length} or chunked) are parsed
 * in place for their status and end, without copying.
 */
public final class HttpLink extends Link {
    private final HttpListener listener;
    private boolean connected;
    private ByteBuffer pending;
    private boolean inFlight;
    private boolean reusable = true;

    private HttpLink(EventLoop loop, HttpListener listener) {
        super(loop);
        this.listener = listener;
    }

    /** Opens a connection; call on {@code loop}'s thread (or from a task given to it). */
    public static HttpLink open(EventLoop loop, InetSocketAddress remote, InetAddress source, HttpListener listener) {
        HttpLink link = new HttpLink(loop, listener);
        link.connect(remote, source);
        return link;
    }

    /**
     * False once the server said {@code Connection: close} (nginx does after 1,000 requests): the
     * owner opens a new connection for the next request, as a browser would, and this one closes
     * without an error.
     */
    public boolean reusable() {
        return reusable && !isClosed();
    }

    /** Sends a complete request (head and body); the response comes to the listener. */
    public void request(byte[] bytes) {
        if (inFlight) {
            throw new IllegalStateException("a request is already in flight");
        }
        inFlight = true;
        if (connected) {
            write(ByteBuffer.wrap(bytes));
        } else {
            pending = ByteBuffer.wrap(bytes);
        }
    }

    @Override
    protected void onConnected() {
        connected = true;
        if (pending != null) {
            write(pending);
            pending = null;
        }
    }

    @Override
    protected void onData(ByteBuffer buffer) {
        while (inFlight && !isClosed() && parseOne(buffer)) {
            // one response consumed per turn; a server never sends more than was asked
        }
    }

    @Override
    protected void onClosed(Throwable cause) {
        boolean lost = inFlight;
        inFlight = false;
        listener.onClosed(this, cause, lost);
    }

    /** Consumes one complete response from {@code buffer}, or returns false and leaves it untouched. */
    private boolean parseOne(ByteBuffer buffer) {
        byte[] buf = buffer.array();
        int start = buffer.arrayOffset() + buffer.position();
        int limit = buffer.arrayOffset() + buffer.limit();
        int headEnd = Ascii.indexOf(buf, start, limit, Ascii.HEAD_END);
        if (headEnd < 0) {
            return false;
        }
        int status = Ascii.status(buf, start);
        long contentLength = 0;
        boolean isChunked = false;
        boolean closeAfter = false;
        int line = Ascii.indexOf(buf, start, headEnd + 2, Ascii.CRLF) + 2;
        while (line < headEnd) {
            int end = Ascii.indexOf(buf, line, headEnd + 2, Ascii.CRLF);
            if (Ascii.isHeader(buf, line, end, "content-length")) {
                contentLength = Math.max(0, Ascii.number(buf, line + "content-length:".length(), end));
            } else if (Ascii.isHeader(buf, line, end, "transfer-encoding")) {
                isChunked = Ascii.containsIgnoreCase(buf, line, end, "chunked");
            } else if (Ascii.isHeader(buf, line, end, "connection")) {
                closeAfter = Ascii.containsIgnoreCase(buf, line, end, "close");
            }
            line = end + 2;
        }
        int bodyStart = headEnd + 4;
        int end = isChunked ? chunkedEnd(buf, bodyStart, limit)
                : limit - bodyStart < contentLength ? -1 : bodyStart + (int) contentLength;
        if (end < 0) {
            return false;
        }
        buffer.position(end - buffer.arrayOffset());
        inFlight = false;
        reusable = !closeAfter;
        listener.onResponse(this, status);
        if (closeAfter) {
            close(null);
        }
        return true;
    }

    /** The index after a chunked body starting at {@code from}, or -1 while it is incomplete. */
    private static int chunkedEnd(byte[] buf, int from, int limit) {
        int at = from;
        while (true) {
            int eol = Ascii.indexOf(buf, at, limit, Ascii.CRLF);
            if (eol < 0) {
                return -1;
            }
            int size = 0;
            for (int i = at; i < eol && Character.digit(buf[i], 16) >= 0; i++) {
                size = size * 16 + Character.digit(buf[i], 16);
            }
            at = eol + 2;
            if (size == 0) {
                int trailerEnd = Ascii.indexOf(buf, at - 2, limit, Ascii.HEAD_END);
                return trailerEnd < 0 ? -1 : trailerEnd + 4;
            }
            if (limit - at < size + 2) {
                return -1;
            }
            at += size + 2;
        }
    }
}
