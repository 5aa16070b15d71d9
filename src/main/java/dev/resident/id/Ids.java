package dev.resident.id;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Identifiers of connections and pages: 16 random bytes from a CSPRNG, base64url without padding
 * (22 characters). In multi-process mode a page id carries its process as a {@code |pNN} suffix.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    /** The random part's length. */
    private static final int RANDOM_CHARS = 22;
    /**
     * Whether an ASCII character may be in the random part ({@code [A-Za-z0-9_-]}), by its code:
     * one load a character, where four range tests branch on every random character (bench/README,
     * "Twenty-third session").
     */
    private static final boolean[] ID_CHARS = new boolean[128];

    static {
        for (char c = 0; c < ID_CHARS.length; c++) {
            ID_CHARS[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }
    }

    /** User ids of connections nobody logged in on start with this, followed by a public id of the guest's own. */
    public static final String GUEST_PREFIX = "guest_";

    private Ids() {
    }

    /** The user id of a guest with public id {@code publicId} (never a session id). */
    public static String guestUser(String publicId) {
        return GUEST_PREFIX + publicId;
    }

    /** Whether a user id is a guest's. */
    public static boolean isGuestUser(String user) {
        return user.startsWith(GUEST_PREFIX);
    }

    /**
     * A 22-character id made from {@code parts} (the first 16 bytes of their SHA-256): every process
     * makes the same one from the same parts, and it tells nothing of them. For an id that each
     * process holding a session must make alike, from ids that never leave the server.
     */
    public static String derived(String... parts) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array()); // ("a","bc") is not ("ab","c")
            sha.update(bytes);
        }
        return ENCODER.encodeToString(Arrays.copyOf(sha.digest(), 16));
    }

    /** A fresh 22-character id. */
    public static String newId() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    /** A fresh page id, suffixed with {@code |<process>} when a process name is set. */
    public static String newPageId(String process) {
        String id = newId();
        return process == null || process.isEmpty() ? id : id + "|" + process;
    }

    /** Whether {@code id} has the shape of a connection or page id (cheap check before any lookup). */
    public static boolean isWellFormed(String id) {
        // by hand rather than a regex: it runs on every call ([A-Za-z0-9_-]{22}(\|p[0-9]{2,})?)
        if (id == null || id.length() > 40 || id.length() < RANDOM_CHARS) {
            return false;
        }
        for (int i = 0; i < RANDOM_CHARS; i++) {
            if (!isIdChar(id.charAt(i))) {
                return false;
            }
        }
        if (id.length() == RANDOM_CHARS) {
            return true;
        }
        if (id.length() < RANDOM_CHARS + 4 || id.charAt(RANDOM_CHARS) != '|' || id.charAt(RANDOM_CHARS + 1) != 'p') {
            return false;
        }
        for (int i = RANDOM_CHARS + 2; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isIdChar(char c) {
        return c < ID_CHARS.length && ID_CHARS[c];
    }

    /** The process suffix of a page id ({@code p02}), or null when it has none. */
    public static String processOf(String pageId) {
        int bar = pageId.indexOf('|');
        return bar < 0 ? null : pageId.substring(bar + 1);
    }
}
