package dev.resident.registry;

import dev.resident.state.Bucket;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Locks that serialize this process's writes to one stored document ({@link JsonDocumentStore}): a
 * {@code Store} is one document, written by a read and a conditional write, so calls writing it at
 * once would make each other's conditional writes fail and try again. Under one lock they never
 * conflict with each other, only with another process's write. Striped: two documents may share a
 * lock, which costs them only waiting.
 */
final class DocumentLocks {
    private static final int STRIPES = 64;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

    DocumentLocks() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** The lock of document {@code key} in {@code bucket}. */
    ReentrantLock of(Bucket bucket, String key) {
        return stripes[Math.floorMod(31 * System.identityHashCode(bucket) + key.hashCode(), STRIPES)];
    }
}
