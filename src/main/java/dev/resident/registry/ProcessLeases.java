package dev.resident.registry;

import dev.resident.state.Bucket;
import dev.resident.state.StateUnavailable;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which processes of the site are alive: each renews its own entry in the {@code processes} bucket
 * (whose ttl is the lease), so a process that died loses it within the lease and its pages may be
 * continued elsewhere. A store not shared with other processes has no leases: nobody else can be
 * running a page. Once given up (a drain) the lease stays given up: the renewal timer runs on
 * while the process lingers, and must not take it back. A process that outlived its lease (a
 * pause, a cut from the store) counts it ({@link #lapses}): its pages may be run elsewhere now.
 */
final class ProcessLeases {
    private static final System.Logger LOGGER = System.getLogger(ProcessLeases.class.getName());
    private final Bucket bucket;
    private final String self;
    /** A renewal later than this after the last one may have come after the lease ran out (a fifth of it spare). */
    private final long lapseNanos;
    /** When the last renewal that was answered was sent: its entry lasts at least a lease from then. */
    private volatile long renewedAt = System.nanoTime();
    /** How many times the lease may have run out while this process lived. */
    private final AtomicLong lapses = new AtomicLong();
    /** Told of each lapse (a meter). */
    private final Runnable onLapse;
    /** Why the last renewal failed, or null: only a change is logged, not every third of the lease. */
    private volatile String failing;
    /** A renewal and the release one at a time, so that no renewal lands after the release. */
    private final ReentrantLock writing = new ReentrantLock();
    private boolean released;

    /**
     * @param bucket  the leases, or null when the store is not shared
     * @param self    this process's owner name
     * @param lease   the bucket's ttl
     * @param onLapse told of each time the lease may have run out while the process lived
     */
    ProcessLeases(Bucket bucket, String self, Duration lease, Runnable onLapse) {
        this.bucket = bucket;
        this.self = self;
        this.onLapse = onLapse;
        this.lapseNanos = lease.toNanos() - lease.toNanos() / 5;
    }

    /** Renews this process's lease. */
    void renew() {
        renew(false);
    }

    /**
     * How many times this process's lease may have run out while it lived (it was paused, or cut
     * off from the store, for longer than the lease): another process may have continued its
     * pages meanwhile. When the lease may have run out by now and the last renewal did not fail
     * (the process was paused, not cut off), it is renewed first, so that a lapse is counted
     * before the process runs another call.
     */
    long lapses() {
        if (bucket != null && failing == null && lapsed()) {
            renew(true);
        }
        return lapses.get();
    }

    private boolean lapsed() {
        return System.nanoTime() - renewedAt >= lapseNanos;
    }

    /** @param onlyIfLapsed renew only when no other renewal came since the lease may have run out */
    private void renew(boolean onlyIfLapsed) {
        if (bucket == null) {
            return;
        }
        writing.lock();
        try {
            if (!released && (!onlyIfLapsed || lapsed())) {
                long sent = System.nanoTime();
                bucket.put(self, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII));
                if (System.nanoTime() - renewedAt >= lapseNanos) {
                    lapses.incrementAndGet();
                    onLapse.run();
                    LOGGER.log(Level.WARNING, "the lease may have run out: the pages held here are checked"
                            + " against the store before their next call");
                }
                renewedAt = sent;
                if (failing != null) {
                    failing = null;
                    LOGGER.log(Level.INFO, "lease renewed again");
                }
            }
        } catch (StateUnavailable e) {
            String why = e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")");
            if (!why.equals(failing)) {
                failing = why;
                LOGGER.log(Level.WARNING, "lease not renewed: " + why);
            }
        } finally {
            writing.unlock();
        }
    }

    /** Gives the lease up (a drain): the process's pages may be continued at once. */
    void release() {
        if (bucket == null) {
            return;
        }
        writing.lock();
        try {
            released = true;
            bucket.delete(self);
        } catch (StateUnavailable e) {
            LOGGER.log(Level.WARNING, "lease not released: " + e.getMessage());
        } finally {
            writing.unlock();
        }
    }

    /** Whether {@code owner}, another process, still holds its lease. */
    boolean alive(String owner) {
        return bucket != null && !owner.equals(self) && bucket.get(owner).isPresent();
    }
}
