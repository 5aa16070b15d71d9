package dev.resident.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A socket's session asked again, at most once per period, from the heartbeat: a session that
 * another app owns (the legacy app's login) can end there while the socket stays open, and no
 * request of Resident's own would find out. The check runs on a virtual thread of its own (it may
 * ask the other app), one at a time per socket; when it finds the session changed hands, the
 * session's sockets close as at any login or logout.
 */
final class SessionRecheck {
    private final Runnable check;
    private final long periodNanos;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long lastNanos = System.nanoTime();

    SessionRecheck(Runnable check, Duration period) {
        this.check = check;
        this.periodNanos = Math.max(1, period.toNanos());
    }

    /** Starts the check when a period has passed since the last one and none is running. */
    void tick(long nowNanos) {
        if (nowNanos - lastNanos < periodNanos || !running.compareAndSet(false, true)) {
            return;
        }
        lastNanos = nowNanos;
        Thread.ofVirtual().name("resident-session-recheck").start(() -> {
            try {
                check.run();
            } catch (RuntimeException e) {
                // the next period asks again; a request of the socket's client does too
            } finally {
                running.set(false);
            }
        });
    }
}
