package dev.resident.web;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@code maxFailures} failed logins for one user name within a
 * window, further attempts for that name get 429 until the window ends. Keyed by name, not client
 * address, because behind a reverse proxy every client has the proxy's address.
 */
final class LoginThrottle {
    private static final int MAX_TRACKED = 100_000;
    private final int maxFailures;
    private final long windowMillis;
    private final Map<String, Window> failures = new ConcurrentHashMap<>();

    LoginThrottle(int maxFailures, Duration window) {
        this.maxFailures = maxFailures;
        this.windowMillis = window.toMillis();
    }

    /** Throws 429 {@code rate_limited} when logins as {@code user} failed too often lately. */
    void check(String user) {
        Window window = failures.get(user);
        if (window != null && window.endsAt > System.currentTimeMillis() && window.count >= maxFailures) {
            throw new ApiError(429, "rate_limited", "too many failed logins, try again later");
        }
    }

    void failed(String user) {
        long now = System.currentTimeMillis();
        if (failures.size() > MAX_TRACKED) {
            failures.values().removeIf(w -> w.endsAt <= now);
        }
        failures.compute(user, (k, w) -> w == null || w.endsAt <= now
                ? new Window(now + windowMillis, 1)
                : new Window(w.endsAt, w.count + 1));
    }

    void succeeded(String user) {
        failures.remove(user);
    }

    private record Window(long endsAt, int count) {
    }
}
