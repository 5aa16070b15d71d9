package dev.resident.state.mvstore;

import dev.resident.state.Commits;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Makes writers wait until a commit covers their write, sharing commits: the first writer to wait
 * runs the next commit for everyone who waits by then, and the others wait for it. Commits are
 * paced by a token bucket: up to {@code burst} at once (a call that writes a few times does not
 * wait), then one per {@code gap}, so a stream of writes costs at most one commit (and one chunk of
 * the file) per gap, however many writers there are. They are paced by the bytes they write too:
 * the next commit starts once a budget of {@code bytesPerSecond} has paid for what the ones before
 * wrote (a second's worth may go at once), so a stream of writes cannot make the file grow faster.
 */
final class GroupCommit {
    private final Runnable commit;
    private final long gapNanos;
    private final double burst;
    private final LongSupplier writtenBytes;
    /** Bytes the budget earns per nanosecond; 0: no byte budget. */
    private final double bytesPerNano;
    private final double byteBurst;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition committed = lock.newCondition();
    /** The newest write that waits; its number. */
    private long written;
    /** The newest write a finished commit covers. */
    private long covered;
    private boolean committing;
    /** Commits run for waiting writers, since the start. */
    private long commits;
    /** Commits that may start now without waiting (refilled at one per gap, up to the burst); the committer's only. */
    private double tokens;
    /** Bytes that commits may write now; negative while the last ones are being paid for. The committer's only. */
    private double byteTokens;
    private long refilledAt = System.nanoTime();

    /**
     * @param commit commits everything written so far; may throw
     * @param burst  commits that may start back to back after a quiet spell
     * @param gap    time between the starts of two commits once the burst is spent
     */
    GroupCommit(Runnable commit, int burst, Duration gap) {
        this(commit, burst, gap, () -> 0, 0);
    }

    /**
     * @param writtenBytes   bytes written to the file so far, by commits and anything else
     * @param bytesPerSecond what commits may write per second on average; 0: no byte budget
     */
    GroupCommit(Runnable commit, int burst, Duration gap, LongSupplier writtenBytes, long bytesPerSecond) {
        this.commit = commit;
        this.gapNanos = Math.max(1, gap.toNanos());
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.writtenBytes = writtenBytes;
        this.bytesPerNano = Math.max(0, bytesPerSecond) / 1e9;
        this.byteBurst = Math.max(0, bytesPerSecond);
        this.byteTokens = this.byteBurst;
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
                } else {
                    lead();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Writes that waited for a commit and the commits run for them, since the start. */
    Commits counts() {
        lock.lock();
        try {
            return new Commits(written, commits);
        } finally {
            lock.unlock();
        }
    }

    /** Runs one commit for every write numbered when it starts; called and returns with the lock held. */
    private void lead() {
        committing = true;
        try {
            lock.unlock();
            try {
                pace(); // outside the lock: writers arriving meanwhile join this commit
            } finally {
                lock.lock();
            }
            long upTo = written; // every write numbered so far was made before the commit starts
            lock.unlock();
            try {
                long before = writtenBytes.getAsLong();
                try {
                    commit.run();
                } finally {
                    charge(writtenBytes.getAsLong() - before);
                }
            } finally {
                lock.lock();
            }
            covered = Math.max(covered, upTo);
            commits++;
        } finally {
            committing = false;
            committed.signalAll();
        }
    }

    /**
     * Charges a commit's bytes to the budget, at most a quarter of a second's worth: a commit also
     * writes what was written in batches since the store's last background commit (pages restored
     * by the thousand after a start), and that must not hold the next login for seconds. A stream
     * of writes that wait, whose commits are far smaller, pays in full.
     */
    private void charge(long bytes) {
        if (bytesPerNano > 0) {
            byteTokens -= Math.clamp(bytes, 0, byteBurst / 4); // negative across a store opened again
        }
    }

    /**
     * Takes a token, waiting for one when the burst is spent, and waits until the byte budget has
     * paid for the commits before; writers arriving meanwhile join this commit.
     */
    private void pace() {
        while (true) {
            long now = System.nanoTime();
            long elapsed = now - refilledAt;
            tokens = Math.min(burst, tokens + (double) elapsed / gapNanos);
            byteTokens = Math.min(byteBurst, byteTokens + elapsed * bytesPerNano);
            refilledAt = now;
            if (tokens >= 1 && byteTokens >= 0) {
                tokens -= 1;
                return;
            }
            long forToken = tokens >= 1 ? 0 : (long) ((1 - tokens) * gapNanos);
            long forBytes = byteTokens >= 0 ? 0 : (long) (-byteTokens / bytesPerNano);
            LockSupport.parkNanos(Math.max(1, Math.max(forToken, forBytes)));
        }
    }
}
