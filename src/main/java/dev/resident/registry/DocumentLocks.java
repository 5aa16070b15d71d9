package dev.resident.registry;

import dev.resident.state.Bucket;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks that serialize this process's writes to one stored document ({@link JsonDocumentStore}): a
 * {@code Store} is one document, written by a read and a conditional write, so calls writing it at
 * once would make each other's conditional writes fail and try again. Under one lock they never
 * conflict with each other, only with another process's write. Striped ({@link StripedLocks}).
 */
final class DocumentLocks {
    /**
     * Two documents that share a stripe wait for each other's writes, and a write may take many
     * round trips when another process writes its document too: many stripes, so that a hot
     * document (or a client writing its own store from two processes) holds up few others.
     */
    private static final int STRIPES = 1024;
    private final StripedLocks stripes = new StripedLocks(STRIPES);
    /** Set while this thread holds one of the locks. */
    private final ThreadLocal<Boolean> holding = new ThreadLocal<>();

    /**
     * Runs {@code change} of document {@code key} in {@code bucket} holding the document's lock;
     * without it when this thread holds one already (a {@code Store} changed inside another's
     * {@code compute} function). So a thread holds one lock at most, and no two threads can each
     * wait for the lock the other holds.
     */
    void run(Bucket bucket, String key, Runnable change) {
        if (holding.get() != null) {
            change.run();
            return;
        }
        ReentrantLock lock = stripes.of(31 * System.identityHashCode(bucket) + key.hashCode());
        lock.lock();
        holding.set(Boolean.TRUE);
        try {
            change.run();
        } finally {
            holding.remove();
            lock.unlock();
        }
    }
}
