package dev.resident.ops;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether the server is draining, and how many page calls (and requests forwarded to the legacy
 * app) are running, so a shutdown can refuse new pages and let running calls finish.
 */
public final class Lifecycle {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private volatile boolean draining;
    private int inFlight;

    public boolean draining() {
        return draining;
    }

    /** From now on ready is DOWN and new pages are refused. */
    public void startDrain() {
        draining = true;
    }

    /** A page call (or a forwarded request) starts; pair with {@link #exit()} in a finally block. */
    public void enter() {
        lock.lock();
        try {
            inFlight++;
        } finally {
            lock.unlock();
        }
    }

    public void exit() {
        lock.lock();
        try {
            if (--inFlight == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no call runs or {@code grace} has passed; true when idle. */
    public boolean awaitIdle(Duration grace) throws InterruptedException {
        long nanos = grace.toNanos();
        lock.lock();
        try {
            while (inFlight > 0 && nanos > 0) {
                nanos = idle.awaitNanos(nanos);
            }
            return inFlight == 0;
        } finally {
            lock.unlock();
        }
    }
}
