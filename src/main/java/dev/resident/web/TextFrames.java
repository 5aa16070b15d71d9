package dev.resident.web;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes messages as server-to-client WebSocket text frames (RFC 6455 §5.2: final, unmasked)
 * into one buffer, so that several go out in one socket write: each message its own frame, or
 * (for a client that asked for {@code batch=1}) all of them as one JSON array in one frame.
 */
final class TextFrames {
    /** FIN and the text opcode. */
    private static final int FIN_TEXT = 0x81;
    /** The longest frame header: two bytes and a 64-bit length. */
    static final int MAX_HEADER = 10;

    private TextFrames() {
    }

    /** One frame per message, in order. */
    static byte[] frames(List<String> messages) {
        byte[][] payloads = new byte[messages.size()][];
        int total = 0;
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = messages.get(i).getBytes(StandardCharsets.UTF_8);
            total += headerLength(payloads[i].length) + payloads[i].length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] payload : payloads) {
            at = header(out, at, payload.length);
            System.arraycopy(payload, 0, out, at, payload.length);
            at += payload.length;
        }
        return out;
    }

    /** One frame holding the messages (each a JSON object) as a JSON array; a lone message as itself. */
    static byte[] batch(List<String> messages) {
        if (messages.size() == 1) {
            return frames(messages);
        }
        byte[][] payloads = new byte[messages.size()][];
        int length = 1 + messages.size(); // the brackets and the commas between
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = messages.get(i).getBytes(StandardCharsets.UTF_8);
            length += payloads[i].length;
        }
        byte[] out = new byte[headerLength(length) + length];
        int at = header(out, 0, length);
        out[at++] = '[';
        for (int i = 0; i < payloads.length; i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            System.arraycopy(payloads[i], 0, out, at, payloads[i].length);
            at += payloads[i].length;
        }
        out[at] = ']';
        return out;
    }

    private static int headerLength(int payload) {
        return payload < 126 ? 2 : payload < 1 << 16 ? 4 : MAX_HEADER;
    }

    private static int header(byte[] out, int at, int payload) {
        out[at++] = (byte) FIN_TEXT;
        if (payload < 126) {
            out[at++] = (byte) payload;
        } else if (payload < 1 << 16) {
            out[at++] = 126;
            out[at++] = (byte) (payload >>> 8);
            out[at++] = (byte) payload;
        } else {
            out[at++] = 127;
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[at++] = (byte) ((long) payload >>> shift);
            }
        }
        return at;
    }
}
