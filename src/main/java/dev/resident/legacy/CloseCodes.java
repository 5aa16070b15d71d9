package dev.resident.legacy;

import java.nio.charset.StandardCharsets;

/** Which WebSocket close codes may pass through the tunnel as they are (RFC 6455 §7.4). */
final class CloseCodes {
    /** A close frame carries at most 123 bytes of reason. */
    private static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {
    }

    /** Codes that may appear in a close frame: not 1005, 1006 and 1015 (local conditions only), not unassigned ones. */
    static boolean onTheWire(int code) {
        if (code < 1000 || code > 4999 || code == 1004 || code == 1005 || code == 1006 || code == 1015) {
            return false;
        }
        return code <= 1014 || code >= 3000;
    }

    /**
     * The code the tunnel's client side ({@link UpstreamSocket}) sends for {@code code}: the same
     * for 1000, 1001, 1008, 1011 and the application codes 3000-4999 (all that Java's WebSocket
     * client, the tunnel's before, could send, and what a legacy server has seen since); 1008
     * (policy violation, the reason kept) for a message too big (1009); else 1000.
     */
    static int fromClient(int code) {
        if (code == 1000 || code == 1001 || code == 1008 || code == 1011 || code >= 3000 && code <= 4999) {
            return code;
        }
        return code == 1009 ? 1008 : 1000;
    }

    /** {@code reason} cut to what a close frame carries. */
    static String reason(String reason) {
        if (reason == null) {
            return "";
        }
        String cut = reason;
        while (cut.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut;
    }
}
