package dev.resident.registry;

import dev.resident.state.Bucket;
import dev.resident.state.StateUnavailable;
import dev.resident.state.Versioned;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which processes of the site are alive: each renews its own entry in the {@code processes} bucket
 * (whose ttl is the lease), so a process that died loses it within the lease and its pages may be
 * continued elsewhere. A store not shared with other processes has no leases: nobody else can be
 * running a page. Once given up (a drain) the lease stays given up: the renewal timer runs on
 * while the process lingers, and must not take it back. A process that outlived its lease (a
 * pause, a cut from the store) counts it ({@link #lapses}): its pages may be run elsewhere now.
 * <p>
 * Each renewal is written over the revision this process wrote last. When another process wrote
 * the lease meanwhile, two processes run under one process id: the one that started later learns
 * it there ({@code onDuplicate}), stops renewing and never gives up the lease, which is the other's.
 * A first renewal takes the lease whoever wrote it: a process restarted after a kill -9 finds its
 * predecessor's.
 * <p>
 * Another process's lease found run out says that process is gone only to a process that has
 * itself renewed its lease without a break for a whole lease ({@link #mayTakeOver}). After an
 * outage of NATS longer than the lease every lease has run out, and each process renews its own
 * only once its own link is back: one back a moment before another must not take the other's
 * pages over from their copies saved before the outage while the other, which served them from
 * memory meanwhile, is about to renew.
 */
final class ProcessLeases {
    private static final System.Logger LOGGER = System.getLogger(ProcessLeases.class.getName());
    private final Bucket bucket;
    private final String self;
    /** A renewal later than this after the last one may have come after the lease ran out (a fifth of it spare). */
    private final long lapseNanos;
    private final long leaseNanos;
    /**
     * When the lease last began to be held without a break: the first renewal answered, or the
     * first after one that failed or came after a lapse (nanoTime; the start until the first).
     */
    private volatile long unbrokenSince = System.nanoTime();
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
    /** When this process started, and who it is: written in the lease, to tell two processes of one id apart. */
    private final LeaseHolder holder = LeaseHolder.starting();
    /** The revision of this process's last write of its lease; 0 before its first. */
    private long revision;
    /** Told once, when another process that started first runs under the same id. */
    private final Runnable onDuplicate;
    private boolean duplicate;
    /**
     * Whether a renewal was written over this process's own last write: until then another process
     * of the same id may hold the lease (a duplicate learns it only at its second renewal), and this
     * one must not give the lease up for it.
     */
    private boolean confirmed;

    /**
     * @param bucket  the leases, or null when the store is not shared
     * @param self    this process's owner name
     * @param lease   the bucket's ttl
     * @param onLapse told of each time the lease may have run out while the process lived
     * @param onDuplicate told when another process, started before this one, runs under {@code self}
     */
    ProcessLeases(Bucket bucket, String self, Duration lease, Runnable onLapse, Runnable onDuplicate) {
        this.bucket = bucket;
        this.self = self;
        this.onLapse = onLapse;
        this.onDuplicate = onDuplicate;
        this.leaseNanos = lease.toNanos();
        this.lapseNanos = leaseNanos - leaseNanos / 5;
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
            if (!released && !duplicate && (!onlyIfLapsed || lapsed())) {
                long sent = System.nanoTime();
                boolean first = revision == 0;
                byte[] value = holder.encode(System.currentTimeMillis());
                long written = revision == 0 ? -1 : bucket.update(self, value, revision);
                if (written != -1) {
                    confirmed = true; // nobody else wrote the lease since this process's last write
                }
                if (written == -1) {
                    Optional<LeaseHolder> other = revision == 0 ? Optional.empty()
                            : bucket.get(self).flatMap(stored -> LeaseHolder.decode(stored.value()));
                    if (other.isPresent() && other.get().startedBefore(holder)) {
                        duplicate = true;
                        LOGGER.log(Level.ERROR, "another process runs as process id " + self + " (started "
                                + other.get().describe() + "); this one started later and stops: give every"
                                + " process of the site its own PROCESS_ID");
                        onDuplicate.run();
                        return;
                    }
                    written = bucket.put(self, value); // the first, over an older lease, or one that ran out
                }
                revision = written;
                boolean lapse = System.nanoTime() - renewedAt >= lapseNanos;
                if (first || lapse || failing != null) {
                    unbrokenSince = System.nanoTime();
                }
                if (lapse) {
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

    /**
     * Gives the lease up (a drain): the process's pages may be continued at once, also those the
     * drain did not hand over one by one (evicted before it, or not written by it). The lease says
     * so until it runs out (then it is gone, as a dead process's); it is written over this
     * process's own renewal only, never over another process's lease of the same id, and only once
     * a renewal has shown that no other process of this id writes it (before that the lease is
     * deleted, and its pages are continued as a dead process's are).
     */
    void release() {
        if (bucket == null) {
            return;
        }
        writing.lock();
        try {
            released = true;
            if (duplicate) {
                return; // the lease is the other process's
            }
            if (!confirmed) {
                // no other process of this id has been ruled out yet: the lease goes, and its pages wait
                // for a process that has held its own lease a whole lease, as a dead process's do
                bucket.delete(self);
                return;
            }
            byte[] given = holder.encodeReleased();
            if (bucket.update(self, given, revision) == -1) {
                // the answer to a renewal may have been lost: the stored one is still this process's
                Optional<Versioned> stored = bucket.get(self);
                if (stored.isPresent() && LeaseHolder.decode(stored.get().value())
                        .filter(h -> h.instance().equals(holder.instance())).isPresent()) {
                    bucket.update(self, given, stored.get().revision());
                }
            }
        } catch (StateUnavailable e) {
            LOGGER.log(Level.WARNING, "lease not released: " + e.getMessage());
        } finally {
            writing.unlock();
        }
    }

    /**
     * Whether this process may take a page over from another process whose lease it finds run out
     * (not from one that released it): only once its own lease has been renewed without a break
     * (no renewal failed, none came late) for a whole lease. A live process cut off from the store
     * as long as this one (an outage of NATS for the whole site) renews within a third of a lease
     * of its own reconnect, so within this wait it holds its lease again: its pages, served from
     * memory meanwhile, stay its own. Only a process that does not renew in that time is gone.
     */
    boolean mayTakeOver() {
        return bucket == null || failing == null && !lapsed() && System.nanoTime() - unbrokenSince >= leaseNanos;
    }

    /**
     * Whether this process may continue a page that {@code owner}, another process, ran and did
     * not release: {@code owner} gave its lease up (a drain: at once), or its lease ran out and
     * {@link #mayTakeOver} says this process may trust that.
     */
    boolean mayContinuePagesOf(String owner) {
        if (bucket == null) {
            return true;
        }
        Optional<Versioned> lease = bucket.get(owner);
        return lease.isPresent() ? LeaseHolder.released(lease.get().value()) : mayTakeOver();
    }
}
