package dev.resident.ops;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Whether the server is draining, and how many page calls (and requests forwarded to the legacy
 * app) are running, so a shutdown can refuse new pages and let running calls finish. Every call
 * enters and exits, so those are one atomic add each; the lock is taken only while someone waits
 * for idle.
 */
public final class Lifecycle {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Threads in {@link #awaitIdle}: written under the lock, read by every exit. */
    private volatile int waiters;
    private volatile boolean draining;
    private volatile boolean cordoned;
    private volatile boolean released;
    /** How long the process answers once released (the linger), at most; set when the drain starts. */
    private volatile Duration linger = Duration.ZERO;
    /** {@link System#nanoTime()} by which the process stops answering, once released. */
    private volatile long stopsBy;

    /** Whether a stop's drain began: new pages and sockets are refused, and every page is to be handed over. */
    public boolean draining() {
        return draining;
    }

    /**
     * From now on ready is DOWN and new pages are refused; once every page is released the process
     * answers for {@code linger} at most.
     */
    public void startDrain(Duration linger) {
        this.linger = linger;
        draining = true;
    }

    /**
     * From now on ready is DOWN, so a proxy sends this process no new browsers, and those it has
     * go on as before, their pages and sockets included (an admin's drain, as a proxy's own
     * "drain" state): a stop then hands what is left to the other processes.
     */
    public void cordon() {
        cordoned = true;
    }

    /** Whether ready is DOWN for a drain: an admin's ({@link #cordon}) or a stop's. */
    public boolean drainingOrCordoned() {
        return draining || cordoned;
    }

    /**
     * Whether the drain has written and released every page, so that another process continues
     * them: from then on a proxy should send this process's browsers elsewhere (see {@link Linger}).
     */
    public boolean released() {
        return released;
    }

    public void markReleased() {
        stopsBy = System.nanoTime() + linger.toNanos();
        released = true;
    }

    /**
     * The {@code Retry-After} of a request the drain refuses: the seconds until this process stops
     * answering (at most the linger once it has released its pages, the whole linger before), at
     * least 1. By then a proxy sends the request to another process, which continues the page.
     */
    public long retryAfterSeconds() {
        long left = released ? stopsBy - System.nanoTime() : linger.toNanos();
        return Math.max(1, (left + 999_999_999) / 1_000_000_000);
    }

    /** A page call (or a forwarded request) starts; pair with {@link #exit()} in a finally block. */
    public void enter() {
        inFlight.incrementAndGet();
    }

    public void exit() {
        // a waiter counts itself in before it reads inFlight, and this reads waiters after the
        // decrement: one of the two sees the other (both are volatile), so no wake-up is lost
        if (inFlight.decrementAndGet() == 0 && waiters > 0) {
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Waits until no call runs or {@code grace} has passed; true when idle. */
    public boolean awaitIdle(Duration grace) throws InterruptedException {
        long nanos = grace.toNanos();
        lock.lock();
        waiters++;
        try {
            while (inFlight.get() > 0 && nanos > 0) {
                nanos = idle.awaitNanos(nanos);
            }
            return inFlight.get() == 0;
        } finally {
            waiters--;
            lock.unlock();
        }
    }
}
