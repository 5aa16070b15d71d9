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
    private static final int FIN_TEXT = FrameHeader.FIN | 0x1;

    private TextFrames() {
    }

    /** One frame per message, in order. */
    static byte[] frames(List<String> messages) {
        byte[][] payloads = new byte[messages.size()][];
        int total = 0;
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = messages.get(i).getBytes(StandardCharsets.UTF_8);
            total += FrameHeader.length(payloads[i].length) + payloads[i].length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] payload : payloads) {
            at = FrameHeader.write(out, at, FIN_TEXT, payload.length, false);
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
        byte[] out = new byte[FrameHeader.length(length) + length];
        int at = FrameHeader.write(out, 0, FIN_TEXT, length, false);
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
}
