package dev.resident.json;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Jackson's buffers, shared by every thread through a fixed row of slots: taking or returning one
 * is a compare-and-set on a slot, with no lock and no allocation. Jackson's own shared pools cost
 * more than the work they save (its concurrent-deque pool allocates a node per return: parse plus
 * write of an rpc frame ran at 0.63 M/s with it, 1.8 M/s with these slots, 1.9 M/s with no pool
 * at all but 8 KB of garbage per call; bench/README, "Jackson's buffer pool"). Its default,
 * thread-local, pool would keep ~16 KB for every virtual thread. When every slot is taken a
 * caller gets fresh buffers, and when every slot is full a returned one is dropped: at most
 * {@link #SLOTS} sets of buffers are kept.
 */
public final class BufferSlots implements RecyclerPool<BufferRecycler> {
    /** Enough for every carrier thread to hold a few at once; a power of two. */
    static final int SLOTS = 32;
    private static final long serialVersionUID = 1L;
    private final transient AtomicReferenceArray<BufferRecycler> slots = new AtomicReferenceArray<>(SLOTS);

    @Override
    public BufferRecycler acquirePooled() {
        int first = start();
        for (int i = 0; i < SLOTS; i++) {
            int slot = (first + i) & (SLOTS - 1);
            BufferRecycler kept = slots.get(slot);
            if (kept != null && slots.compareAndSet(slot, kept, null)) {
                return kept;
            }
        }
        return new BufferRecycler();
    }

    @Override
    public BufferRecycler acquireAndLinkPooled() {
        return acquirePooled().withPool(this);
    }

    @Override
    public void releasePooled(BufferRecycler buffers) {
        int first = start();
        for (int i = 0; i < SLOTS; i++) {
            int slot = (first + i) & (SLOTS - 1);
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, buffers)) {
                return;
            }
        }
    }

    @Override
    public int pooledCount() {
        int count = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (slots.get(i) != null) {
                count++;
            }
        }
        return count;
    }

    /** A pool read back from a stream starts empty. */
    private Object readResolve() {
        return new BufferSlots();
    }

    /** Threads start their search at different slots, so they seldom meet on one. */
    private static int start() {
        return (int) Thread.currentThread().threadId() & (SLOTS - 1);
    }
}
