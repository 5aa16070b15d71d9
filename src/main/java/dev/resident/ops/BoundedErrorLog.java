package dev.resident.ops;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unexpected failures logged within a budget per period: the first ones with their stack, then
 * one line each, then nothing but their number, told with the next line logged. A failure that a
 * client can cause at will (a page method that fails on some input) then costs the log a few
 * lines a minute, not a stack trace per request; each line still names the failure's id.
 */
public final class BoundedErrorLog {
    private final System.Logger logger;
    private final Level level;
    private final long periodNanos;
    private final int stacks;
    private final int lines;
    private final AtomicLong periodStart = new AtomicLong(System.nanoTime());
    private final AtomicLong inPeriod = new AtomicLong();
    private final AtomicLong unlogged = new AtomicLong();

    /**
     * @param stacks failures logged with their stack per period
     * @param lines  failures logged at all per period (one line each beyond {@code stacks})
     */
    public BoundedErrorLog(System.Logger logger, Level level, Duration period, int stacks, int lines) {
        this.logger = logger;
        this.level = level;
        this.periodNanos = period.toNanos();
        this.stacks = stacks;
        this.lines = lines;
    }

    public void log(String message, Throwable failure) {
        long now = System.nanoTime();
        long start = periodStart.get();
        if (now - start >= periodNanos && periodStart.compareAndSet(start, now)) {
            inPeriod.set(0);
        }
        long number = inPeriod.incrementAndGet();
        if (number > lines) {
            unlogged.incrementAndGet();
            return;
        }
        long missed = unlogged.getAndSet(0);
        String line = missed == 0 ? message : message + " (" + missed + " more were not logged)";
        if (number <= stacks) {
            logger.log(level, line, failure);
        } else {
            logger.log(level, line + ": " + failure + " (stacks are logged for the first " + stacks
                    + " failures of a period)");
        }
    }
}
