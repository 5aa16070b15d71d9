package dev.resident.legacy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a legacy session cookie's value, in hex: what Resident keeps in its place (the
 * answers' cache key, a connection's proof), so that it holds no usable credential.
 */
final class SessionDigest {
    private SessionDigest() {
    }

    static String of(String session) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(session.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
