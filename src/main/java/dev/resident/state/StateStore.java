package dev.resident.state;

import java.time.Duration;

/** Where state that must outlive the process is kept: a few named buckets. */
public interface StateStore extends AutoCloseable {

    /**
     * The bucket {@code name}, created when missing.
     *
     * @param ttl how long an entry lives after its last write; {@link Duration#ZERO} for ever
     */
    Bucket bucket(String name, Duration ttl);

    /** Whether state outlives this process (false for the memory store). */
    boolean durable();

    /** Whether other processes use the same store (a site), so what this process holds may change under it. */
    default boolean shared() {
        return false;
    }

    /** Whether the store answered its last request; false while it is unreachable. */
    boolean reachable();

    /** Makes what was written so far durable now (an embedded engine's commit); a no-op elsewhere. */
    default void flush() {
    }

    /** Writes that waited for a commit, and the commits they shared, since the start. */
    default Commits commits() {
        return Commits.NONE;
    }

    /** Requests waiting right now for the store's link to come back (NATS reconnecting). */
    default int waitingForLink() {
        return 0;
    }

    /** Drops expired entries, for backends whose engine does not expire them itself. */
    default void sweep() {
    }

    /** Makes what was written so far durable, then releases the store. */
    @Override
    void close();
}
