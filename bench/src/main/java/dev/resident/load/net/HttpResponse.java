package dev.resident.load.net;

import java.nio.charset.StandardCharsets;

/**
 * A response as it lies in the link's buffer: valid only during
 * {@link HttpListener#onResponse}, so the hot path allocates nothing.
 */
public final class HttpResponse {
    private byte[] buffer;
    private int headStart;
    private int headEnd;
    private byte[] bodyArray;
    private int bodyStart;
    private int bodyLength;
    private int status;

    void set(int status, byte[] buffer, int headStart, int headEnd, byte[] bodyArray, int bodyStart, int bodyLength) {
        this.status = status;
        this.buffer = buffer;
        this.headStart = headStart;
        this.headEnd = headEnd;
        this.bodyArray = bodyArray;
        this.bodyStart = bodyStart;
        this.bodyLength = bodyLength;
    }

    public int status() {
        return status;
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    public String header(String name) {
        int line = Ascii.indexOf(buffer, headStart, headEnd, Ascii.CRLF) + 2;
        while (line < headEnd) {
            int end = Ascii.indexOf(buffer, line, headEnd, Ascii.CRLF);
            if (end < 0) {
                end = headEnd;
            }
            if (Ascii.isHeader(buffer, line, end, name)) {
                return new String(buffer, line + name.length() + 1, end - line - name.length() - 1,
                        StandardCharsets.ISO_8859_1).trim();
            }
            line = end + 2;
        }
        return null;
    }

    public byte[] bodyArray() {
        return bodyArray;
    }

    public int bodyStart() {
        return bodyStart;
    }

    public int bodyLength() {
        return bodyLength;
    }

    public String body() {
        return new String(bodyArray, bodyStart, bodyLength, StandardCharsets.UTF_8);
    }
}
