package dev.resident.site;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other processes of the site this one has heard of, with when each last answered: a known
 * process that does not answer a gather is shown as missing until it is forgotten.
 */
final class KnownProcesses {
    /** More names than a site has processes: a flood of made-up ones cannot grow the map further. */
    static final int MAX = 1000;
    private final ConcurrentHashMap<String, Long> lastSeen = new ConcurrentHashMap<>();
    /** Processes that said they stop, with when: another's word that it saw them before then does not bring them back. */
    private final ConcurrentHashMap<String, Long> leftAt = new ConcurrentHashMap<>();
    private final String self;
    private final Duration forgetAfter;

    KnownProcesses(String self, Duration forgetAfter) {
        this.self = self;
        this.forgetAfter = forgetAfter;
    }

    /** {@code process} answered (or was vouched for) at {@code at}. */
    void seen(String process, long at) {
        if (process.equals(self) || (lastSeen.size() >= MAX && !lastSeen.containsKey(process))) {
            return;
        }
        Long left = leftAt.get(process);
        if (left != null && at <= left) {
            return;
        }
        lastSeen.merge(process, at, Math::max);
    }

    /** {@code process} said at {@code at} that it stops: it is forgotten now, not shown missing. */
    void left(String process, long at) {
        if (process.equals(self) || (leftAt.size() >= MAX && !leftAt.containsKey(process))) {
            return;
        }
        leftAt.merge(process, at, Math::max);
        lastSeen.computeIfPresent(process, (name, seen) -> seen <= at ? null : seen);
    }

    boolean knows(String process) {
        return lastSeen.containsKey(process);
    }

    /** The others, by name, with when each was last seen; forgets those silent for too long first. */
    Map<String, Long> others(long now) {
        lastSeen.values().removeIf(at -> now - at > forgetAfter.toMillis());
        leftAt.values().removeIf(at -> now - at > forgetAfter.toMillis());
        return new TreeMap<>(lastSeen);
    }
}
