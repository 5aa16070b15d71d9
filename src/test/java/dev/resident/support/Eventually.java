package dev.resident.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition the server reaches on its own schedule (an expiry sweep, a reconnect). */
public final class Eventually {
    private Eventually() {
    }

    /**
     * Checks {@code condition} every 20 ms until it holds; fails the test after {@code timeout} of
     * running time ({@link Deadline}).
     */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        Deadline deadline = Deadline.after(timeout);
        while (!condition.getAsBoolean()) {
            if (deadline.passed()) {
                throw new AssertionError("not within " + timeout + " of running time (the process stood still "
                        + deadline.stoodStill() + " besides): " + what);
            }
            LockSupport.parkNanos(deadline.slice());
        }
    }
}
