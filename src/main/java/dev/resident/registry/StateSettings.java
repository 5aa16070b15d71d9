package dev.resident.registry;

import java.time.Duration;

/**
 * How the registries keep their state in the state store.
 *
 * @param snapshotInterval how often changed pages and connections are written (a killed process loses
 *                         at most the changes of this last interval)
 * @param lease            how long a process that stopped answering keeps its pages from being continued
 *                         elsewhere (shared stores only)
 * @param sessionMaxAge    absolute lifetime of a session, however active
 * @param maxStoreBytes    largest user, connection or global store document
 * @param recheck          how often a process of a site checks a session it holds against the state
 *                         store (another process may have ended it, or logged it in)
 * @param maxPageBytes     largest page snapshot written: a larger one is not (it could never be,
 *                         past NATS's {@code max_payload}, and would fail every round of writes)
 */
public record StateSettings(Duration snapshotInterval, Duration lease, Duration sessionMaxAge, int maxStoreBytes,
                            Duration recheck, int maxPageBytes) {
}
