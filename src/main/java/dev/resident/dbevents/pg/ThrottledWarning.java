package dev.resident.dbevents.pg;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A warning logged at most once per period with the number of occurrences it stands for, so a
 * flood of bad notifications cannot flood the log.
 */
final class ThrottledWarning {
    private static final System.Logger LOGGER = System.getLogger(PgDbEvents.class.getName());
    private final long periodNanos;
    private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    ThrottledWarning(long periodMillis) {
        this.periodNanos = periodMillis * 1_000_000;
    }

    void log(String message) {
        long now = System.nanoTime();
        long next = nextAt.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextAt.compareAndSet(next, now + periodNanos)) {
            long others = suppressed.getAndSet(0);
            LOGGER.log(Level.WARNING, others == 0 ? message : message + " (and " + others + " more since the last warning)");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
