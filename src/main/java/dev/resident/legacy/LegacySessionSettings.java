package dev.resident.legacy;

import java.net.URI;
import java.time.Duration;

/**
 * How Resident asks the legacy app who a session is (the {@code legacy.session} config node).
 *
 * @param cookie     name of the legacy app's session cookie
 * @param introspect the legacy app's URL answering 200 {@code {"user","roles"}} or 401 for that cookie
 * @param cacheTtl   how long an answer is kept: a logout in the legacy app ends the Resident login
 *                   within this time
 * @param cacheSize  sessions whose answers are kept at most
 * @param timeout    longest wait for the legacy app's answer; beyond, it is unanswered
 * @param outageGrace how long a connection keeps the identity last proven while the legacy app
 *                   cannot answer; beyond, it is a guest's (a user's pages end)
 * @param perAddress questions one client address may have waiting for the legacy app at once
 *                   ({@code resident.limits.per-address.legacy-introspections}); beyond, unanswered
 */
public record LegacySessionSettings(String cookie, URI introspect, Duration cacheTtl, int cacheSize,
                                    Duration timeout, Duration outageGrace, int perAddress) {
    public LegacySessionSettings {
        if (cookie.isBlank() || !cookie.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            throw new IllegalArgumentException("legacy.session.cookie must be a cookie name, not '" + cookie + "'");
        }
        if (!("http".equals(introspect.getScheme()) || "https".equals(introspect.getScheme())) || introspect.getHost() == null) {
            throw new IllegalArgumentException("legacy.session.introspect must be an http(s) URL or a path on legacy.upstream, not "
                    + introspect);
        }
        if (cacheTtl.isNegative() || timeout.isNegative() || timeout.isZero() || cacheSize <= 0) {
            throw new IllegalArgumentException("legacy.session: cache-ttl, cache-size and timeout must be positive");
        }
        if (outageGrace.isNegative()) {
            throw new IllegalArgumentException("legacy.session.outage-grace must not be negative");
        }
        if (perAddress <= 0) {
            throw new IllegalArgumentException("resident.limits.per-address.legacy-introspections must be positive");
        }
    }
}
