package dev.resident.ops;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A log line written at most once per period, with the number of occurrences it stands for: what
 * a client or a peer can cause once per request (a refused origin, a failing upstream, a flood of
 * bad notifications) cannot flood the log.
 */
public final class ThrottledLog {
    private final System.Logger logger;
    private final Level level;
    private final long periodNanos;
    private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    public ThrottledLog(System.Logger logger, Level level, Duration period) {
        this.logger = logger;
        this.level = level;
        this.periodNanos = period.toNanos();
    }

    public void log(String message) {
        long now = System.nanoTime();
        long next = nextAt.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAt.compareAndSet(next, now + periodNanos)) {
            long others = suppressed.getAndSet(0);
            logger.log(level, others == 0 ? message : message + " (and " + others + " more since the last one)");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
