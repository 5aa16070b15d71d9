package dev.resident.state;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One named map of a {@link StateStore}: string keys to byte values with revisions. Entries expire
 * the bucket's ttl after their last write. A write is durable once it is answered (it survives a
 * kill -9 of the process), except through a {@link #batched()} view. Every method may throw
 * {@link StateUnavailable}.
 */
public interface Bucket {

    /** The live value of {@code key}, if any. */
    Optional<Versioned> get(String key);

    /** Writes {@code value} whatever is there; returns the new revision. */
    long put(String key, byte[] value);

    /**
     * Writes {@code value} only if the key is still at revision {@code expected} ({@code 0}: only if
     * it has no live value).
     *
     * @return the new revision, or {@code -1} when another writer came first
     */
    long update(String key, byte[] value, long expected);

    /**
     * {@link #update} without waiting for the answer, so a writer can have many writes in flight
     * (a remote store answers each in about a round trip). Backends without such a path write on
     * the caller's thread.
     *
     * @return completes with the new revision or {@code -1}, or fails with {@link StateUnavailable}
     */
    default CompletableFuture<Long> updateAsync(String key, byte[] value, long expected) {
        try {
            return CompletableFuture.completedFuture(update(key, value, expected));
        } catch (StateUnavailable e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Removes the key; nothing happens when it has no value. */
    void delete(String key);

    /**
     * Whether {@code key} has no value and was not deleted either: its value ran past the bucket's
     * ttl, or went with the store (NATS came back with nothing stored). A holder of what the key
     * named may then write it again as new; after a {@link #delete} (a logout, a page closed
     * elsewhere) it must not. Stores that keep no mark of a deletion answer false.
     */
    default boolean vanished(String key) {
        return false;
    }

    /**
     * This bucket for a writer that writes many entries and then calls {@link StateStore#flush}
     * once: its writes may become durable only at that flush. Stores whose every answered write
     * is durable anyway return this bucket.
     */
    default Bucket batched() {
        return this;
    }
}
