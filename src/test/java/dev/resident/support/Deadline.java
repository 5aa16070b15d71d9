package dev.resident.support;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A test's deadline that counts only the time the test JVM was running. A watcher thread ticks
 * every {@link #TICK}; a tick that came more than {@link #STALL} late means the whole process stood
 * still (its virtual machine paused, its host gave it no CPU), and that time does not count. A
 * condition that never comes still fails after {@code timeout} of running time, and a server that
 * is merely slow still uses up the timeout (the watcher is a platform thread of its own); only a
 * machine that stands still no longer fails a test that waits 10 s for something that came as
 * soon as the machine ran again.
 */
public final class Deadline {
    static final long TICK = Duration.ofMillis(10).toNanos();
    static final long STALL = Duration.ofMillis(500).toNanos();
    private static final long SLICE = Duration.ofMillis(20).toNanos();
    private static final AtomicLong STOOD_STILL = new AtomicLong();

    static {
        Thread.ofPlatform().daemon().name("test-stall-watch").start(() -> {
            while (true) {
                long before = System.nanoTime();
                LockSupport.parkNanos(TICK);
                long late = System.nanoTime() - before - TICK;
                if (late > STALL) {
                    STOOD_STILL.addAndGet(late);
                }
            }
        });
    }

    private final Duration timeout;
    private final long start;
    private final long stoodStillAtStart;
    private long lastCheck;
    private boolean deferred;

    private Deadline(Duration timeout) {
        this.timeout = timeout;
        this.start = System.nanoTime();
        this.stoodStillAtStart = STOOD_STILL.get();
        this.lastCheck = start;
    }

    public static Deadline after(Duration timeout) {
        return new Deadline(timeout);
    }

    /** Nanoseconds to wait before the next check. */
    public long slice() {
        return SLICE;
    }

    /** True once {@code timeout} of running time has gone by. */
    public boolean passed() {
        long now = System.nanoTime();
        boolean waiterStalled = now - lastCheck > SLICE + STALL;
        lastCheck = now;
        if (waiterStalled && !deferred) {
            deferred = true;
            return false; // judge at the next check, once the watcher has counted a stall it may have seen too
        }
        deferred = false;
        return now - start - (STOOD_STILL.get() - stoodStillAtStart) >= timeout.toNanos();
    }

    /** Running time the process stood still since {@code this} was made (for messages). */
    public Duration stoodStill() {
        return Duration.ofNanos(STOOD_STILL.get() - stoodStillAtStart);
    }

    public Duration timeout() {
        return timeout;
    }
}
