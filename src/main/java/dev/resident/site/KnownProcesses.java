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
        lastSeen.merge(process, at, Math::max);
    }

    boolean knows(String process) {
        return lastSeen.containsKey(process);
    }

    /** The others, by name, with when each was last seen; forgets those silent for too long first. */
    Map<String, Long> others(long now) {
        lastSeen.values().removeIf(at -> now - at > forgetAfter.toMillis());
        return new TreeMap<>(lastSeen);
    }
}
