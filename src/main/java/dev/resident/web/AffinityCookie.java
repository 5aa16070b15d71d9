package dev.resident.web;

import io.helidon.http.SetCookie;
import io.helidon.webserver.http.ServerResponse;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The {@code rsd_aff} route cookie set at login, so that a load balancer can send all of a user's
 * browsers to one process by hashing it: the first 16 hex digits of the HMAC-SHA256 of the user
 * name under {@code resident.login.affinity-key}, or of its SHA-256 when no key is set. HAProxy
 * computes the same value from a login's body ({@code deploy/haproxy-config}, with the same key).
 * It carries neither the user name nor the session and says only which browsers belong together;
 * with a key, nobody without it can tell whose they are (a plain hash of a name is matched against a
 * list of names in no time). Cleared at logout.
 */
public final class AffinityCookie {
    /** The cookie's name. */
    public static final String NAME = "rsd_aff";
    /** A returning browser still goes to its user's process for this long. */
    static final Duration MAX_AGE = Duration.ofDays(30);
    private static final int HEX_DIGITS = 16;
    private static final int MIN_KEY_BYTES = 16;
    private final SecretKeySpec key;

    /**
     * @param base64Key the key, base64; empty: a plain hash
     * @throws IllegalArgumentException when the key is not base64 or holds fewer than 16 bytes
     */
    public AffinityCookie(String base64Key) {
        byte[] bytes = keyBytes(base64Key);
        key = bytes.length == 0 ? null : new SecretKeySpec(bytes, "HmacSHA256");
    }

    /** The key's bytes (none for an empty key); refuses a key that is not base64 of 16 bytes or more. */
    static byte[] keyBytes(String base64Key) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64Key);
        } catch (IllegalArgumentException e) {
            bytes = new byte[1]; // refused below
        }
        if (bytes.length > 0 && bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("resident.login.affinity-key (AFFINITY_KEY): base64 of at least "
                    + MIN_KEY_BYTES + " bytes (openssl rand -base64 32)");
        }
        return bytes;
    }

    /** The cookie's value for {@code user}. */
    public String value(String user) {
        byte[] name = user.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] digest;
            if (key == null) {
                digest = MessageDigest.getInstance("SHA-256").digest(name);
            } else {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                digest = mac.doFinal(name);
            }
            return HexFormat.of().formatHex(digest, 0, HEX_DIGITS / 2);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 and HmacSHA256 are part of every JDK", e);
        }
    }

    /**
     * Sets the cookie of {@code user} on the login answer.
     *
     * @param https whether the client reached the site over HTTPS (a trusted proxy's
     *              {@code X-Forwarded-Proto} included, as for the session cookie): then it is
     *              {@code Secure}, never sent over plain HTTP
     */
    void set(ServerResponse res, String user, boolean https) {
        res.headers().addCookie(cookie(value(user), MAX_AGE, https));
    }

    /** Removes it (logout). */
    static void clear(ServerResponse res, boolean https) {
        res.headers().addCookie(cookie("", Duration.ZERO, https));
    }

    private static SetCookie cookie(String value, Duration maxAge, boolean https) {
        return SetCookie.builder(NAME, value)
                .httpOnly(true)
                .sameSite(SetCookie.SameSite.LAX)
                .path("/")
                .maxAge(maxAge)
                .secure(https)
                .build();
    }
}
