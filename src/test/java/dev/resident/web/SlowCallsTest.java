package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import dev.resident.support.Eventually;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The watchdog finds every call in flight, those in its slots and those past them in its overflow
 * map, reports each once, and forgets a call once it is done.
 */
class SlowCallsTest {
    @Test
    void callsPastEverySlotAreWatchedTooAndEachIsReportedOnce() throws Exception {
        Logger logger = Logger.getLogger(SlowCalls.class.getName());
        Level level = logger.getLevel();
        logger.setLevel(Level.OFF); // thousands of stacks would flood the test output
        ResidentMeters meters = new ResidentMeters("test");
        try (Timers timers = new Timers(); SlowCalls watchdog = new SlowCalls(Duration.ofMillis(20), meters, timers)) {
            int calls = 4096 + 100; // one thread: its calls fill the slots from its own, then spill over
            List<SlowCalls.Call> running = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                running.add(watchdog.start("page-" + i, "work", System.nanoTime()));
            }
            Eventually.await(Duration.ofSeconds(10), "every call reported", () -> slowCount(meters) == calls);
            running.forEach(SlowCalls.Call::close);
            // done calls are forgotten: a new one that ends at once is never reported, and none twice
            watchdog.start("page-new", "quick", System.nanoTime()).close();
            SlowCalls.Call late = watchdog.start("page-late", "work", System.nanoTime());
            Eventually.await(Duration.ofSeconds(10), "the late call reported", () -> slowCount(meters) == calls + 1);
            late.close();
            assertEquals(calls + 1, slowCount(meters));
        } finally {
            logger.setLevel(level);
            meters.close();
        }
    }

    private static long slowCount(ResidentMeters meters) {
        return meters.counter("resident.slow.calls", "page calls that ran longer than resident.limits.slow-call").count();
    }
}
