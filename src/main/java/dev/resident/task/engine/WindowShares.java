package dev.resident.task.engine;

import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each quota took of a share in this process's job store (the bytes of its jobs' results, or
 * its submits), so that one user cannot take everyone else's room: counted in windows of {@code
 * keep-finished} (the current one and the one before, so a count lasts at least as long as what it
 * counted is kept, at most twice that). Past {@code maxTracked} quotas, those whose windows are over
 * are forgotten, then those that took least (a tenth below the bound at once): a client with
 * thousands of quotas cannot make the map grow, and the quotas near their share stay counted.
 */
final class WindowShares {
    private final long windowMillis;
    private final long perQuota;
    private final int maxTracked;
    private final ConcurrentHashMap<String, Usage> usage = new ConcurrentHashMap<>();

    WindowShares(Duration keepFinished, long perQuota, int maxTracked) {
        this.windowMillis = keepFinished.toMillis();
        this.perQuota = perQuota;
        this.maxTracked = maxTracked;
    }

    /** Counts {@code amount} for {@code quota} unless that would take it past its share. */
    boolean take(String quota, long amount, long nowMillis) {
        if (windowMillis <= 0) {
            return true; // a finished job is forgotten at once: nothing is kept
        }
        long window = nowMillis / windowMillis;
        boolean[] taken = new boolean[1];
        usage.compute(quota, (q, before) -> {
            Usage now = Usage.in(before, window);
            if (now.current() + now.previous() + amount > perQuota) {
                return now;
            }
            taken[0] = true;
            return new Usage(window, now.current() + amount, now.previous());
        });
        if (usage.size() > maxTracked) {
            forget(window);
        }
        return taken[0];
    }

    /** Quotas tracked now; for tests. */
    int tracked() {
        return usage.size();
    }

    private synchronized void forget(long window) {
        usage.values().removeIf(u -> u.window() < window - 1);
        int target = maxTracked - Math.max(1, maxTracked / 10);
        if (usage.size() <= target) {
            return;
        }
        usage.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, Usage> e) -> e.getValue().total(window)))
                .limit(usage.size() - (long) target)
                .toList()
                .forEach(e -> usage.remove(e.getKey(), e.getValue()));
    }

    /** A quota's count in {@code window} and in the one before. */
    private record Usage(long window, long current, long previous) {
        static Usage in(Usage known, long window) {
            if (known == null || known.window() < window - 1) {
                return new Usage(window, 0, 0);
            }
            return known.window() == window ? known : new Usage(window, 0, known.current());
        }

        /** What counts in {@code window}: this and the one before. */
        long total(long now) {
            Usage counted = in(this, now);
            return counted.current() + counted.previous();
        }
    }
}
