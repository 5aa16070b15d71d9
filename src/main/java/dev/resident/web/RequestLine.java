package dev.resident.web;

import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * The bytes of one request line as they arrive, kept only when the line spans reads or holds a
 * byte outside ASCII (the common line, whole in one read and all ASCII, costs no copy).
 */
final class RequestLine {
    private static final int MAX = 8192;
    private byte[] bytes;
    private int length;
    private boolean complete;
    private boolean nonAscii;

    /** A new request line starts with the next bytes. */
    void restart() {
        length = 0;
        complete = false;
        nonAscii = false;
    }

    void add(byte[] chunk) {
        if (complete) {
            return;
        }
        int end = 0;
        while (end < chunk.length && chunk[end] != '\n') {
            nonAscii |= chunk[end] < 0;
            end++;
        }
        boolean ends = end < chunk.length;
        if (ends && length == 0 && !nonAscii) {
            complete = true; // nothing to keep
            return;
        }
        if (length + end > MAX) {
            complete = true; // Helidon refuses a line this long itself
            nonAscii = false;
            return;
        }
        if (bytes == null || bytes.length < length + end) {
            bytes = Arrays.copyOf(bytes == null ? new byte[0] : bytes, Math.max(256, Integer.highestOneBit(length + end) * 2));
        }
        System.arraycopy(chunk, 0, bytes, length, end);
        length += end;
        complete = ends;
    }

    /** The request target's bytes (base64url) when the line is complete and holds a byte outside ASCII. */
    Optional<String> rawTarget() {
        if (!complete || !nonAscii || bytes == null) {
            return Optional.empty();
        }
        int end = length > 0 && bytes[length - 1] == '\r' ? length - 1 : length;
        int first = indexOf((byte) ' ', 0, end);
        int last = lastIndexOf((byte) ' ', end);
        if (first < 0 || last <= first) {
            return Optional.empty();
        }
        return Optional.of(Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Arrays.copyOfRange(bytes, first + 1, last)));
    }

    /** Drops the kept bytes once the head is parsed. */
    void release() {
        bytes = null;
        length = 0;
        complete = true;
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private int lastIndexOf(byte b, int to) {
        for (int i = to - 1; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
