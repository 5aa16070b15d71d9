package dev.resident.web;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slows password guessing without handing anyone a way to lock an account: failures are counted
 * per (user name, client address) pair, so a stranger's wrong passwords never hold back the user
 * at their own address. From the {@code maxFailures}th failure on, the pair must wait before its
 * next attempt, twice as long after each further failure (1 s, 2 s, 4 s, ... up to
 * {@code maxBackoff}): 429
 * {@code rate_limited} with {@code Retry-After}. A pair is forgotten {@code window} after its last
 * failure, or at once on a success. At most {@code maxTracked} pairs are kept; when that many are
 * live, a pair not yet known is refused (429) rather than the memory growing. Callers bound the
 * user name's length before it gets here.
 */
final class LoginThrottle {
    private static final long FIRST_WAIT_MILLIS = 1000;
    private final int maxFailures;
    private final long windowMillis;
    private final long maxBackoffMillis;
    private final int maxTracked;
    private final Map<String, Failures> failures = new ConcurrentHashMap<>();
    private final AtomicLong lastPurge = new AtomicLong();

    LoginThrottle(int maxFailures, Duration window, Duration maxBackoff, int maxTracked) {
        this.maxFailures = maxFailures;
        this.windowMillis = window.toMillis();
        this.maxBackoffMillis = maxBackoff.toMillis();
        this.maxTracked = maxTracked;
    }

    /** Throws 429 {@code rate_limited} while this pair must wait, or when no new pair can be tracked. */
    void check(String user, String address, long nowMillis) {
        Failures known = failures.get(key(user, address));
        if (known == null) {
            if (failures.size() >= maxTracked && !purge(nowMillis, 1000)) {
                throw ApiError.rateLimited("too many failed logins, try again later", 60);
            }
            return;
        }
        if (known.blockedUntil > nowMillis) {
            throw ApiError.rateLimited("too many failed logins, try again later",
                    (known.blockedUntil - nowMillis + 999) / 1000);
        }
    }

    void failed(String user, String address, long nowMillis) {
        purge(nowMillis, 60_000);
        failures.compute(key(user, address), (k, old) -> {
            int count = old == null || old.expired(nowMillis, windowMillis) ? 1 : old.count + 1;
            long blockedUntil = count < maxFailures ? 0 : nowMillis + backoff(count - maxFailures + 1);
            return new Failures(count, nowMillis, blockedUntil);
        });
    }

    void succeeded(String user, String address) {
        failures.remove(key(user, address));
    }

    int tracked() {
        return failures.size();
    }

    /** The wait after the {@code n}th failure that is not free: 1 s doubling up to the maximum. */
    private long backoff(int n) {
        return n > 30 ? maxBackoffMillis : Math.min(maxBackoffMillis, FIRST_WAIT_MILLIS << (n - 1));
    }

    /** Forgets expired pairs unless that was done less than {@code gapMillis} ago; whether there is room now. */
    private boolean purge(long nowMillis, long gapMillis) {
        long last = lastPurge.get();
        if (nowMillis - last >= gapMillis && lastPurge.compareAndSet(last, nowMillis)) {
            failures.values().removeIf(f -> f.expired(nowMillis, windowMillis));
        }
        return failures.size() < maxTracked;
    }

    private static String key(String user, String address) {
        return address + ' ' + user;
    }

    private record Failures(int count, long lastAt, long blockedUntil) {
        boolean expired(long nowMillis, long windowMillis) {
            return nowMillis >= lastAt + windowMillis && nowMillis >= blockedUntil;
        }
    }
}
