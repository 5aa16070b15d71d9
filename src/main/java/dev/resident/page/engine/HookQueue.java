package dev.resident.page.engine;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The page's hooks (dbevent handlers, the close handler) waiting to run, in order, on one virtual
 * thread at a time, so the bus that delivers an event never waits for a page's lock. Bounded.
 */
final class HookQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private final int capacity;
    private boolean draining;

    HookQueue(int capacity) {
        this.capacity = capacity;
    }

    /**
     * Queues a hook that must not throw.
     *
     * @param bounded whether the queue's capacity applies (the close hook is queued regardless)
     * @return false when the queue is full
     */
    boolean offer(Runnable hook, boolean bounded) {
        lock.lock();
        try {
            if (bounded && waiting.size() >= capacity) {
                return false;
            }
            waiting.add(hook);
            if (draining) {
                return true;
            }
            draining = true;
        } finally {
            lock.unlock();
        }
        Thread.ofVirtual().name("resident-page-hooks").start(this::drain);
        return true;
    }

    private void drain() {
        while (true) {
            Runnable next;
            lock.lock();
            try {
                next = waiting.poll();
                if (next == null) {
                    draining = false;
                    return;
                }
            } finally {
                lock.unlock();
            }
            next.run();
        }
    }
}
