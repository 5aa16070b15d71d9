package dev.resident.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The process's timers: a blocked or failing task holds up no other, and one task never runs twice at once. */
@Timeout(30)
class TimersTest {
    private static final Duration PERIOD = Duration.ofMillis(10);

    @Test
    void aBlockedTaskDelaysNoOtherAndNeverRunsTwiceAtOnce() throws InterruptedException {
        try (Timers timers = new Timers()) {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger blockedRuns = new AtomicInteger();
            timers.every("blocked", PERIOD, () -> {
                blockedRuns.incrementAndGet();
                awaitQuietly(release);
            });
            CountDownLatch others = new CountDownLatch(5);
            timers.every("other", PERIOD, others::countDown);
            assertTrue(others.await(10, TimeUnit.SECONDS), "the other task ran on while the first was blocked");
            assertEquals(1, blockedRuns.get(), "a task still running skips its next times");
            release.countDown();
        }
    }

    @Test
    void aFailingTaskRunsAgain() throws InterruptedException {
        try (Timers timers = new Timers()) {
            CountDownLatch runs = new CountDownLatch(3);
            timers.every("failing", PERIOD, () -> {
                runs.countDown();
                throw new IllegalStateException("test failure");
            });
            assertTrue(runs.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void nothingFiresOnceClosed() throws InterruptedException {
        Timers timers = new Timers();
        CountDownLatch ran = new CountDownLatch(1);
        timers.after("before", Duration.ZERO, ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        timers.close();
        Future<?> late = timers.after("late", Duration.ZERO, () -> {
            throw new AssertionError("ran after close");
        });
        assertTrue(late.isCancelled());
        timers.close(); // safe twice
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
