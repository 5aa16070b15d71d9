package dev.resident.registry;

import java.util.concurrent.locks.ReentrantLock;

/** A fixed row of locks picked by a hash: two keys may share one, which costs them only waiting. */
final class StripedLocks {
    private final ReentrantLock[] stripes;

    StripedLocks(int count) {
        stripes = new ReentrantLock[count];
        for (int i = 0; i < count; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /** The lock of whatever hashes to {@code hash}. */
    ReentrantLock of(int hash) {
        return stripes[Math.floorMod(hash, stripes.length)];
    }
}
