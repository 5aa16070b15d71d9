package dev.resident.load.scenario;

import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.TreeMap;

/**
 * Latencies (microseconds) and outcome counts. Not thread-safe: each event loop records into its
 * own, and they are merged after the run.
 */
public final class Recorder {
    /** Latencies from 1 µs to 10 min with 3 significant digits. */
    public static Histogram newHistogram() {
        return new Histogram(1, 600_000_000L, 3);
    }

    private final Histogram latency = newHistogram();
    private final Map<String, Long> errors = new TreeMap<>();
    private long ok;

    public void ok(long micros) {
        latency.recordValue(Math.max(1, Math.min(micros, latency.getHighestTrackableValue())));
        ok++;
    }

    public void error(String kind) {
        errors.merge(kind, 1L, Long::sum);
    }

    public long okCount() {
        return ok;
    }

    public Histogram latency() {
        return latency;
    }

    public Map<String, Long> errors() {
        return errors;
    }

    /** Adds {@code other}'s counts into this one. */
    public void add(Recorder other) {
        latency.add(other.latency);
        other.errors.forEach((kind, n) -> errors.merge(kind, n, Long::sum));
        ok += other.ok;
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
