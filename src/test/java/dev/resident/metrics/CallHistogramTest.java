package dev.resident.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Many threads recording at once lose nothing, and every duration lands in its bucket. */
class CallHistogramTest {
    private static final long[] DURATIONS_NANOS = {-5, 0, 100_000, 100_001, 999_999, 1_000_000, 7_000_000,
            30_000_000_000L, 30_000_000_001L, 3_600_000_000_000L};

    @Test
    void concurrentRecordsAreAllCountedInTheirBuckets() throws Exception {
        CallHistogram histogram = new CallHistogram();
        int threads = 32;
        int rounds = 5_000;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add((t % 2 == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                for (int r = 0; r < rounds; r++) {
                    for (long duration : DURATIONS_NANOS) {
                        histogram.record(duration);
                    }
                }
            }));
        }
        for (Thread thread : started) {
            thread.join();
        }
        long times = (long) threads * rounds;
        long[] expected = new long[CallHistogram.BOUNDS_SECONDS.length + 1];
        long sumNanos = 0;
        for (long duration : DURATIONS_NANOS) {
            long counted = Math.max(0, duration);
            sumNanos += counted;
            for (int bound = 0; bound < expected.length; bound++) {
                boolean within = bound == expected.length - 1
                        || counted <= Math.round(CallHistogram.BOUNDS_SECONDS[bound] * 1e9);
                expected[bound] += within ? times : 0;
            }
        }
        CallHistogram.Snapshot snapshot = histogram.snapshot();
        assertArrayEquals(expected, snapshot.cumulative());
        assertEquals(times * DURATIONS_NANOS.length, snapshot.count());
        assertEquals(sumNanos * times / 1e9, snapshot.sumSeconds(), 1e-6 * sumNanos * times / 1e9);
    }
}
