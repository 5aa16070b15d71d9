package dev.resident.load.scenario;

/**
 * The measured part of a timed run, in {@link System#nanoTime()}: completions before
 * {@code start} are warm-up, none are counted after {@code end}.
 */
public record Window(long start, long end) {
    public static Window after(double warmupSeconds, double seconds) {
        long start = System.nanoTime() + (long) (warmupSeconds * 1e9);
        return new Window(start, start + (long) (seconds * 1e9));
    }

    public boolean counts(long nanos) {
        return nanos >= start && nanos <= end;
    }

    public boolean over(long nanos) {
        return nanos > end;
    }

    public double seconds() {
        return (end - start) / 1e9;
    }
}
