package dev.resident.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition the server reaches on its own schedule (an expiry sweep, a reconnect). */
public final class Eventually {
    private Eventually() {
    }

    /**
     * Checks {@code condition} every 20 ms until it holds; fails the test after {@code timeout} of
     * running time ({@link Deadline}).
     */
    public static void await(Duration timeout, String what, BooleanSupplier condition) {
        await(timeout, what, () -> "", condition);
    }

    /**
     * Like {@link #await(Duration, String, BooleanSupplier)}; a failure also says what
     * {@code state} reads then (the values the condition looked at), for a failure seen only in a
     * CI log.
     */
    public static void await(Duration timeout, String what, Supplier<String> state, BooleanSupplier condition) {
        Deadline deadline = Deadline.after(timeout);
        while (!condition.getAsBoolean()) {
            if (deadline.passed()) {
                String now;
                try {
                    now = state.get();
                } catch (RuntimeException | AssertionError e) {
                    now = "the state could not be read: " + e;
                }
                throw new AssertionError("not within " + timeout + " of running time (the process stood still "
                        + deadline.stoodStill() + " besides): " + what + (now.isEmpty() ? "" : "; " + now));
            }
            LockSupport.parkNanos(deadline.slice());
        }
    }
}
