package dev.resident.state.mvstore;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes writers wait until a commit covers their write, sharing commits: the first writer to wait
 * runs the next commit for everyone who waits by then, and the others wait for it. Commits start
 * at least {@code gap} apart, so a stream of writes costs at most one commit (and one chunk of the
 * file) per gap, however many writers there are.
 */
final class GroupCommit {
    private final Runnable commit;
    private final long gapNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition committed = lock.newCondition();
    /** The newest write that waits; its number. */
    private long written;
    /** The newest write a finished commit covers. */
    private long covered;
    private boolean committing;
    private long lastStart = System.nanoTime() - Long.MAX_VALUE / 2;

    /**
     * @param commit commits everything written so far; may throw
     * @param gap    least time between the starts of two commits
     */
    GroupCommit(Runnable commit, Duration gap) {
        this.commit = commit;
        this.gapNanos = gap.toNanos();
    }

    /**
     * Returns once a commit that started after this call covers the caller's write (made before
     * it). A failed commit is thrown to the writer that ran it; the others run another.
     */
    void awaitCommit() {
        lock.lock();
        try {
            long mine = ++written;
            while (covered < mine) {
                if (committing) {
                    committed.awaitUninterruptibly();
                    continue;
                }
                committing = true;
                long upTo;
                try {
                    lock.unlock();
                    try {
                        pace();
                    } finally {
                        lock.lock();
                    }
                    upTo = written; // every write numbered so far was made before the commit starts
                    lastStart = System.nanoTime();
                    lock.unlock();
                    try {
                        commit.run();
                    } finally {
                        lock.lock();
                    }
                } finally {
                    committing = false;
                    committed.signalAll();
                }
                covered = Math.max(covered, upTo);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits out the rest of the gap since the last commit started; writers arriving meanwhile join this commit. */
    private void pace() {
        long wait;
        while ((wait = lastStart + gapNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
