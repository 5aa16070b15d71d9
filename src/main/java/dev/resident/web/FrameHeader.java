package dev.resident.web;

/**
 * The header of one WebSocket frame (RFC 6455 §5.2), written into the caller's buffer: the first
 * byte (FIN and the opcode), the payload's length in the shortest form, and the mask bit, which a
 * client's frames set and a server's do not. The mask key, when there is one, follows it.
 */
public final class FrameHeader {
    /** FIN: the message's last frame. */
    public static final int FIN = 0x80;
    /** The longest header before a mask key: two bytes and a 64-bit length. */
    public static final int MAX_LENGTH = 10;
    private static final int MASKED = 0x80;
    private static final int LENGTH_16 = 126;
    private static final int LENGTH_64 = 127;

    private FrameHeader() {
    }

    /** The header's length for a payload of {@code payload} bytes, the mask key not counted. */
    public static int length(int payload) {
        return payload < LENGTH_16 ? 2 : payload < 1 << 16 ? 4 : MAX_LENGTH;
    }

    /**
     * Writes the header at {@code at} and returns where what follows it goes (the mask key, or the
     * payload).
     *
     * @param first  FIN and the opcode
     * @param masked whether the mask bit is set (a client's frame; the caller writes the key)
     */
    public static int write(byte[] out, int at, int first, int payload, boolean masked) {
        int mask = masked ? MASKED : 0;
        out[at++] = (byte) first;
        if (payload < LENGTH_16) {
            out[at++] = (byte) (mask | payload);
        } else if (payload < 1 << 16) {
            out[at++] = (byte) (mask | LENGTH_16);
            out[at++] = (byte) (payload >>> 8);
            out[at++] = (byte) payload;
        } else {
            out[at++] = (byte) (mask | LENGTH_64);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[at++] = (byte) ((long) payload >>> shift);
            }
        }
        return at;
    }
}
