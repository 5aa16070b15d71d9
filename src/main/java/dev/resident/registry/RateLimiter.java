package dev.resident.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token buckets by key: each key may take {@code perMinute} tokens at once, refilled evenly over a
 * minute. At most {@code maxTracked} keys are remembered; a full bucket carries no information and
 * is forgotten first, and when every remembered key is still in use a new key is refused rather
 * than the memory growing. Used for logins by address (web) and notices by sender (here).
 */
public final class RateLimiter {
    private static final long MINUTE_MILLIS = 60_000;
    private final int perMinute;
    private final int maxTracked;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicLong lastPurge = new AtomicLong();

    public RateLimiter(int perMinute, int maxTracked) {
        if (perMinute <= 0 || maxTracked <= 0) {
            throw new IllegalArgumentException("rate limits must be positive");
        }
        this.perMinute = perMinute;
        this.maxTracked = maxTracked;
    }

    /**
     * Takes a token for {@code key}.
     *
     * @return 0 when granted, else the seconds until a token is free (at least 1)
     */
    public long acquire(String key, long nowMillis) {
        Bucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= maxTracked && !purge(nowMillis)) {
                return MINUTE_MILLIS / 1000;
            }
            bucket = buckets.computeIfAbsent(key, k -> new Bucket(perMinute, nowMillis));
        }
        return bucket.take(perMinute, nowMillis);
    }

    /** Tokens {@code key} took and has not got back yet: about what it took in the last minute. */
    public double spent(String key, long nowMillis) {
        Bucket bucket = buckets.get(key);
        return bucket == null ? 0 : bucket.spent(perMinute, nowMillis);
    }

    public int tracked() {
        return buckets.size();
    }

    /** Forgets full buckets, at most once a second; whether there is room now. */
    private boolean purge(long nowMillis) {
        long last = lastPurge.get();
        if (nowMillis - last >= 1000 && lastPurge.compareAndSet(last, nowMillis)) {
            buckets.values().removeIf(bucket -> bucket.full(perMinute, nowMillis));
        }
        return buckets.size() < maxTracked;
    }

    private static final class Bucket {
        private double tokens;
        private long updatedAt;

        Bucket(int tokens, long nowMillis) {
            this.tokens = tokens;
            this.updatedAt = nowMillis;
        }

        synchronized long take(int perMinute, long nowMillis) {
            refill(perMinute, nowMillis);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            double millisPerToken = (double) MINUTE_MILLIS / perMinute;
            return Math.max(1, (long) Math.ceil((1 - tokens) * millisPerToken / 1000));
        }

        synchronized double spent(int perMinute, long nowMillis) {
            refill(perMinute, nowMillis);
            return perMinute - tokens;
        }

        synchronized boolean full(int perMinute, long nowMillis) {
            refill(perMinute, nowMillis);
            return tokens >= perMinute;
        }

        private void refill(int perMinute, long nowMillis) {
            if (nowMillis > updatedAt) {
                tokens = Math.min(perMinute, tokens + (nowMillis - updatedAt) * (double) perMinute / MINUTE_MILLIS);
                updatedAt = nowMillis;
            }
        }
    }
}
