package dev.resident.web;

import io.helidon.http.SetCookie;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The {@code rsd_aff} route cookie set at login: the first 16 hex digits of the SHA-256 of the
 * user name, so that a load balancer can send all of a user's browsers to one process by hashing
 * it (HAProxy computes the same value from a login's body, see {@code deploy/haproxy.cfg}). It is
 * not a secret and carries neither the user name nor the session: it only says which browsers
 * belong together. Cleared at logout.
 */
public final class AffinityCookie {
    /** The cookie's name. */
    public static final String NAME = "rsd_aff";
    /** A returning browser still goes to its user's process for this long. */
    static final Duration MAX_AGE = Duration.ofDays(30);
    private static final int HEX_DIGITS = 16;

    private AffinityCookie() {
    }

    /** The cookie's value for {@code user}. */
    public static String value(String user) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(user.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HEX_DIGITS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * Sets the cookie of {@code user} on the login answer.
     *
     * @param https whether the client reached the site over HTTPS (a trusted proxy's
     *              {@code X-Forwarded-Proto} included, as for the session cookie): then it is
     *              {@code Secure}, never sent over plain HTTP
     */
    static void set(ServerResponse res, String user, boolean https) {
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
