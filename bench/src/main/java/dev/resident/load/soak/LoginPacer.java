package dev.resident.load.soak;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one login per {@code spacingMillis} across all clients: they all come from 127.0.0.1,
 * and the server allows 60 logins per address per minute.
 */
final class LoginPacer {
    private final long spacingNanos;
    private final AtomicLong next = new AtomicLong(System.nanoTime());

    LoginPacer(long spacingMillis) {
        this.spacingNanos = spacingMillis * 1_000_000;
    }

    boolean tryAcquire() {
        long now = System.nanoTime();
        long due = next.get();
        return now - due >= 0 && next.compareAndSet(due, now + spacingNanos);
    }
}
