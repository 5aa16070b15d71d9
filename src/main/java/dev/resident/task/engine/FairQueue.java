package dev.resident.task.engine;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A bounded queue that takes its items by share, in turn: the first item of each share that has
 * some, one share after the other, in the order the shares came. One share with many items (a
 * user's fifty long exports) then delays another's by at most one item per taker, never by all of
 * its own.
 *
 * @param <T> the items
 */
final class FairQueue<T> {
    private final int capacity;
    private final Function<T, String> shareOf;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Map<String, ArrayDeque<T>> byShare = new HashMap<>();
    /** The shares with items, in the order they take their next turn. */
    private final ArrayDeque<String> turns = new ArrayDeque<>();
    private int size;

    FairQueue(int capacity, Function<T, String> shareOf) {
        this.capacity = capacity;
        this.shareOf = shareOf;
    }

    /** Adds {@code item} at the end of its share's items: false when the queue is full. */
    boolean offer(T item) {
        lock.lock();
        try {
            if (size >= capacity) {
                return false;
            }
            String share = shareOf.apply(item);
            ArrayDeque<T> items = byShare.computeIfAbsent(share, s -> new ArrayDeque<>());
            if (items.isEmpty()) {
                turns.addLast(share);
            }
            items.addLast(item);
            size++;
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The next item by turn, waiting for one. */
    T take() throws InterruptedException {
        lock.lock();
        try {
            while (size == 0) {
                notEmpty.await();
            }
            return next();
        } finally {
            lock.unlock();
        }
    }

    /** The next item by turn, or null when there is none. */
    T poll() {
        lock.lock();
        try {
            return size == 0 ? null : next();
        } finally {
            lock.unlock();
        }
    }

    /** Takes out the first item that {@code which} accepts: whether there was one. */
    boolean remove(Predicate<T> which) {
        lock.lock();
        try {
            for (Map.Entry<String, ArrayDeque<T>> share : byShare.entrySet()) {
                if (share.getValue().removeIf(which)) {
                    size--;
                    if (share.getValue().isEmpty()) {
                        turns.remove(share.getKey());
                        byShare.remove(share.getKey());
                    }
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    private T next() {
        String share = turns.pollFirst();
        ArrayDeque<T> items = byShare.get(share);
        T item = items.pollFirst();
        size--;
        if (items.isEmpty()) {
            byShare.remove(share);
        } else {
            turns.addLast(share); // its next item waits for every other share's turn
        }
        return item;
    }
}
