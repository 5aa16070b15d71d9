package dev.resident.registry;

import dev.resident.page.engine.PageSettings;

import java.time.Duration;

/**
 * Limits and ages of the registries (defaults from the legacy register).
 *
 * @param process            process name carried by page ids ({@code p02}), empty in single-process mode
 * @param pages              limits of each page
 * @param maxPagesPerConnection beyond this a connection gets 429 {@code too_many_pages}
 * @param guestTtl           a guest connection without pages expires after this (1800 s)
 * @param userTtl            a logged-in connection without pages expires after this (7200 s)
 * @param sweepInterval      how often expiry runs
 * @param cpuThreads         threads of the pool for CPU-bound page code ({@link dev.resident.page.Page#compute})
 * @param maxWatchedTables   distinct tables the pages of this process may watch at once (each is a
 *                           subscription on the bus); a page asking for one more gets 429
 * @param maxHeldPerShare    what the pages of one user, or of one address's guests, may hold
 *                           ({@link dev.resident.page.engine.ResidentPage#heldChars}); beyond, the
 *                           largest are closed at the sweep
 * @param noticesPerMinute   notices and broadcasts the pages of one user (a guest: one connection)
 *                           may send a minute, all at once at most; beyond, 429 {@code rate_limited}
 * @param sessionsPerUser    sessions of one logged-in user held in memory; beyond, the user's least
 *                           recently seen session without pages leaves memory
 */
public record RegistrySettings(String process, PageSettings pages, int maxPagesPerConnection,
                               Duration guestTtl, Duration userTtl, Duration sweepInterval, int cpuThreads,
                               int maxWatchedTables, long maxHeldPerShare, int noticesPerMinute,
                               int sessionsPerUser) {

    public RegistrySettings {
        if (sessionsPerUser <= 0) {
            throw new IllegalArgumentException("resident.limits.sessions-per-user must be positive");
        }
    }
}
