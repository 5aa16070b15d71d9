package dev.resident.web;

/**
 * Where a WebSocket connection is in the frames it receives (RFC 6455 §5.2), followed through
 * the bytes it reads: how many bytes of the frame in progress have come. Helidon 4.5 holds a
 * frame's bytes until the frame is whole (up to {@code server.protocols.websocket.max-frame-length}),
 * before any listener sees it; {@link ConnectionWatch} counts them against the budget for bodies.
 * Only the heads are read, a byte at a time (2 to 14 bytes); payloads are skipped whole.
 *
 * <p>A head that breaks RFC 6455 in a way Helidon 4.5 does not answer well is refused here, before
 * Helidon parses it ({@link Malformed}): a reserved opcode (Helidon answers an HTTP 500 into the
 * upgraded stream and logs its stack, for anyone, as often as asked), a fragmented control frame
 * (Helidon answers it), and a close frame of one byte (no room for its code: Helidon closes 1011
 * with its own message). An over-long control frame Helidon closes with 1002 itself.
 */
final class FrameProgress {
    private static final int FIN = 0x80;
    private static final int OPCODE_BITS = 0x0f;
    private static final int CLOSE = 0x8;
    private static final int MASKED = 0x80;
    private static final int LENGTH_BITS = 0x7f;
    private static final int LENGTH_16 = 126;
    private static final int LENGTH_64 = 127;
    private final byte[] head = new byte[14];
    private int headRead;
    /** The head's length, known from its second byte. */
    private int headLength = 2;
    private long payloadLeft;
    /** Bytes of the frame in progress, its head included; 0 between frames. */
    private long received;

    /**
     * Follows {@code bytes}, the next the connection read.
     *
     * @return the bytes of the frame in progress after them
     */
    long follow(byte[] bytes) {
        int i = 0;
        while (i < bytes.length) {
            if (payloadLeft > 0) {
                int taken = (int) Math.min(payloadLeft, bytes.length - i);
                i += taken;
                payloadLeft -= taken;
                received = payloadLeft == 0 ? 0 : received + taken;
                continue;
            }
            head[headRead++] = bytes[i++];
            received++;
            if (headRead == 1 && !known(head[0] & OPCODE_BITS)) {
                throw new Malformed("a frame with the reserved opcode " + (head[0] & OPCODE_BITS));
            }
            if (headRead == 2) {
                checkControl();
                int length = head[1] & LENGTH_BITS;
                headLength = 2 + (length == LENGTH_16 ? 2 : length == LENGTH_64 ? 8 : 0)
                        + ((head[1] & MASKED) != 0 ? 4 : 0);
            }
            if (headRead == headLength) {
                payloadLeft = payloadLength();
                headRead = 0;
                headLength = 2;
                if (payloadLeft == 0) {
                    received = 0;
                }
            }
        }
        return received;
    }

    /** Continuation, text, binary, close, ping, pong. */
    private static boolean known(int opcode) {
        return opcode <= 0x2 || (opcode >= CLOSE && opcode <= 0xA);
    }

    /** Control frames are whole (never fragmented), and a close has 0 or at least 2 bytes. */
    private void checkControl() {
        int opcode = head[0] & OPCODE_BITS;
        if (opcode < CLOSE) {
            return;
        }
        if ((head[0] & FIN) == 0) {
            throw new Malformed("a fragmented control frame");
        }
        if (opcode == CLOSE && (head[1] & LENGTH_BITS) == 1) {
            throw new Malformed("a close frame of one byte");
        }
    }

    /** A frame head that breaks RFC 6455: the connection is failed, unanswered. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private long payloadLength() {
        int length = head[1] & LENGTH_BITS;
        if (length < LENGTH_16) {
            return length;
        }
        int bytes = length == LENGTH_16 ? 2 : 8;
        long value = 0;
        for (int k = 0; k < bytes; k++) {
            value = value << 8 | head[2 + k] & 0xff;
        }
        return value < 0 ? Long.MAX_VALUE : value; // a 64-bit length with its top bit set: never whole
    }
}
