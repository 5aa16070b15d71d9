package dev.resident.web;

import dev.resident.registry.RateLimiter;

/**
 * The rate limits a login passes before anything is checked: one client address's logins a
 * minute, and everyone's together (password checks cost CPU). Of everyone's, a part is held for
 * quiet addresses, those that made only a few logins in the last minute: addresses that make many
 * use up the rest, never that part, so twenty of them at their own limit no longer keep every
 * other login out. Past a limit: 429 {@code rate_limited} with {@code Retry-After}.
 */
final class LoginRates {
    private static final String EVERYONE = "";
    private final RateLimiter perAddress;
    /** Everyone's logins but the quiet addresses' part. */
    private final RateLimiter shared;
    /** The quiet addresses' part; null when none is held. */
    private final RateLimiter quiet;
    private final int quietAddressLogins;

    LoginRates(LoginSettings limits) {
        if (limits.quietPerMinute() < 0 || limits.quietPerMinute() >= limits.globalPerMinute()) {
            throw new IllegalArgumentException("resident.login.quiet-addresses-per-minute must be at least 0 and"
                    + " below global-per-minute (" + limits.globalPerMinute() + "), not " + limits.quietPerMinute());
        }
        this.perAddress = new RateLimiter(limits.perAddressPerMinute(), limits.maxTracked());
        this.shared = new RateLimiter(limits.globalPerMinute() - limits.quietPerMinute(), 1);
        this.quiet = limits.quietPerMinute() > 0 ? new RateLimiter(limits.quietPerMinute(), 1) : null;
        this.quietAddressLogins = limits.quietAddressLogins();
    }

    /** Takes one login of {@code address}; throws 429 when it must wait. */
    void acquire(String address, long nowMillis) {
        refuseIfWaiting(perAddress.acquire(address, nowMillis), "too many logins from your address");
        long retryAfter = shared.acquire(EVERYONE, nowMillis);
        if (retryAfter > 0 && quiet != null && perAddress.spent(address, nowMillis) <= quietAddressLogins) {
            retryAfter = quiet.acquire(EVERYONE, nowMillis);
        }
        refuseIfWaiting(retryAfter, "too many logins, try again shortly");
    }

    /** 429 with {@code Retry-After} when a bucket said to wait. */
    private static void refuseIfWaiting(long retryAfterSeconds, String message) {
        if (retryAfterSeconds > 0) {
            throw ApiError.rateLimited(message, retryAfterSeconds);
        }
    }
}
