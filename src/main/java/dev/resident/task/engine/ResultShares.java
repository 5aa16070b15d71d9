package dev.resident.task.engine;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the results of each quota's jobs hold in this process's job store, so that one user's
 * results cannot push everyone else's out: counted in windows of {@code keep-finished} (the
 * current one and the one before, so a result counts at least as long as it is kept, at most
 * twice that). Quotas whose windows are over are forgotten once more are remembered than
 * {@code maxTracked}.
 */
final class ResultShares {
    private final long windowMillis;
    private final long perQuota;
    private final int maxTracked;
    private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();

    ResultShares(Duration keepFinished, long perQuota, int maxTracked) {
        this.windowMillis = keepFinished.toMillis();
        this.perQuota = perQuota;
        this.maxTracked = maxTracked;
    }

    /** Counts {@code bytes} for {@code quota} unless that would take it past its share. */
    boolean take(String quota, long bytes, long nowMillis) {
        if (windowMillis <= 0) {
            return true; // a finished job is forgotten at once: nothing is kept
        }
        long window = nowMillis / windowMillis;
        boolean[] taken = new boolean[1];
        usage.compute(quota, (q, before) -> {
            Usage now = Usage.in(before, window);
            if (now.current() + now.previous() + bytes > perQuota) {
                return now;
            }
            taken[0] = true;
            return new Usage(window, now.current() + bytes, now.previous());
        });
        if (usage.size() > maxTracked) {
            usage.values().removeIf(u -> u.window() < window - 1);
        }
        return taken[0];
    }

    /** A quota's bytes in {@code window} and in the one before. */
    private record Usage(long window, long current, long previous) {
        static Usage in(Usage known, long window) {
            if (known == null || known.window() < window - 1) {
                return new Usage(window, 0, 0);
            }
            return known.window() == window ? known : new Usage(window, 0, known.current());
        }
    }
}
