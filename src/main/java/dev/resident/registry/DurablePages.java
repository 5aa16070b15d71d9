package dev.resident.registry;

import dev.resident.metrics.ResidentMeters;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.engine.PageHost;
import dev.resident.page.engine.PageMoved;
import dev.resident.page.engine.ResidentPage;
import dev.resident.page.engine.SavedPage;
import dev.resident.state.Bucket;
import dev.resident.state.BucketFull;
import dev.resident.state.StateUnavailable;
import dev.resident.state.StateUnreachable;
import dev.resident.state.Versioned;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Pages in the state store: their snapshots, and continuing a page from its snapshot after a
 * restart or on another process. One process runs a page at a time: every write is conditional on
 * the revision its writer last saw, so of two processes adopting one page exactly one wins, and a
 * process whose page was taken over learns it at its next write and drops its copy. A page is
 * taken over only from an owner that released it (a drain) or lost its lease (it died), and from
 * one that lost its lease only by a process that held its own for a whole lease without a break
 * ({@link ProcessLeases#mayTakeOver}).
 */
final class DurablePages {
    private static final System.Logger LOGGER = System.getLogger(DurablePages.class.getName());
    private static final int STRIPES = 64;
    private static final long MINUTE_NANOS = 60_000_000_000L;
    /** Snapshots of a drain in flight at once. */
    private static final int RELEASES_IN_FLIGHT = 256;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** What {@link #write} answers for a snapshot the store holds already as it would write it. */
    static final CompletableFuture<Void> UNCHANGED = CompletableFuture.completedFuture(null);
    /**
     * The pages bucket, batched: snapshots, claims and deletes are stored at the store's next
     * flush (each writer round and the drain end with one; on NATS each is stored when answered).
     */
    private final Bucket pages;
    /** The pages bucket, each write durable when answered: a page's first snapshot ({@link #writeFirst}). */
    private final Bucket pagesNow;
    private final PageTypes types;
    private final RegistrySettings settings;
    private final int maxPageBytes;
    /** Told the size of each snapshot encoded: what its page holds ({@link LiveShares}). */
    private final ObjLongConsumer<ResidentPage> measured;
    /** When a snapshot too large was last logged (nanoTime): at most one warning a minute. */
    private final AtomicLong tooLargeLogged = new AtomicLong(System.nanoTime() - MINUTE_NANOS);
    private final ResidentMeters meters;
    private final RefusedWrites refusedWrites;
    private final String self;
    private final ProcessLeases leases;
    private final OwnershipChecks ownership;
    private final PageHost host;
    private final BiConsumer<ResidentPage, String> lost;
    /** Adoptions of one page key wait for each other. */
    private final StripedLocks adoptions = new StripedLocks(STRIPES);

    /**
     * @param maxPageBytes largest snapshot written ({@link StateSettings#maxPageBytes})
     * @param self this process's owner name
     * @param host the registry the pages live in
     * @param lost drops a page whose snapshot another process took over (the page, a reason)
     * @param refusedWrites counts the snapshots a full bucket refused
     * @param processIdTaken told when another process, started before this one, runs under {@code self}
     */
    DurablePages(Buckets buckets, PageTypes types, RegistrySettings settings, int maxPageBytes, ResidentMeters meters,
                 String self, PageHost host, BiConsumer<ResidentPage, String> lost,
                 ObjLongConsumer<ResidentPage> measured, RefusedWrites refusedWrites, Runnable processIdTaken) {
        this.refusedWrites = refusedWrites;
        this.maxPageBytes = maxPageBytes;
        this.pagesNow = buckets.pages();
        this.pages = pagesNow.batched();
        this.types = types;
        this.settings = settings;
        this.meters = meters;
        this.self = self;
        this.leases = new ProcessLeases(buckets.processes(), self, buckets.lease(), meters.leaseLapses::increment,
                processIdTaken);
        this.host = host;
        this.lost = lost;
        this.measured = measured;
        this.ownership = new OwnershipChecks(leases, pages, self,
                page -> takenOver(page, "at its first call after this process outlived its lease"));
    }

    Optional<PageType<?>> type(String path) {
        return types.find(path);
    }

    /**
     * Continues the page saved under {@code key} for {@code connection}, unless this process
     * already has it ({@code local}).
     *
     * @param admit    runs once, before a usable saved page of this connection is claimed: throwing
     *                 refuses it, and its saved copy stays as it was
     * @param register adds the continued page to the registry
     * @return empty when there is no usable saved page of this connection
     * @throws PageMoved when a live process runs it
     */
    Optional<ResidentPage> adopt(String key, Connection connection, Function<String, ResidentPage> local,
                                 Runnable admit, Consumer<ResidentPage> register) {
        ReentrantLock stripe = adoptions.of(key.hashCode());
        stripe.lock();
        try {
            ResidentPage existing = local.apply(key);
            if (existing != null) {
                return Optional.of(existing);
            }
            boolean admitted = false;
            for (int attempt = 0; attempt < 3; attempt++) {
                Optional<Versioned> stored = read(key);
                if (stored.isEmpty()) {
                    return Optional.empty();
                }
                Optional<PageRecord> record = PageRecord.decode(stored.get().value());
                if (record.isEmpty()) {
                    return unusable(key, "its snapshot is corrupt or of another version");
                }
                SavedPage saved = record.get().page();
                if (!saved.connectionId().equals(connection.key())) {
                    return Optional.empty();
                }
                if (!record.get().tenure().equals(connection.tenure())) {
                    // the user whose page it was logged out, or another logged in on that browser
                    return Optional.empty();
                }
                String owner = record.get().owner();
                if (!record.get().released() && !owner.equals(self) && !leases.mayContinuePagesOf(owner)) {
                    // alive, or perhaps only not back yet from an outage that this process is just back from
                    throw new PageMoved(saved.id());
                }
                Optional<PageType<?>> type = types.find(saved.path());
                if (type.isEmpty()) {
                    return unusable(key, "no page type at " + saved.path());
                }
                if (!admitted) {
                    admit.run();
                    admitted = true;
                }
                String id = settings.process().isEmpty() ? key : key + "|" + settings.process();
                String epoch = Registry.newEpoch();
                SavedPage claimed = new SavedPage(id, saved.path(), saved.params(), saved.connectionId(), epoch,
                        saved.seq(), saved.data(), saved.tables(), saved.state());
                String tenure = record.get().tenure(); // the connection's when checked above, whatever it is now
                long revision = claim(key, claimed, tenure, stored.get().revision());
                if (revision == -1) {
                    continue; // another process claimed it first: look again
                }
                ResidentPage page;
                try {
                    page = ResidentPage.restore(claimed, tenure, id, type.get(), host, settings.pages(), epoch, revision);
                } catch (Exception e) {
                    LOGGER.log(Level.WARNING, "page " + key + " could not be restored", e);
                    return unusable(key, "its type refused the snapshot: " + e.getMessage());
                }
                register.accept(page);
                meters.pagesAdopted.increment();
                LOGGER.log(Level.DEBUG, () -> "continued page " + key + " from " + owner + " at seq " + saved.seq());
                return Optional.of(page);
            }
            return Optional.empty();
        } finally {
            stripe.unlock();
        }
    }

    /**
     * The id under which another process runs the page saved under {@code key} now, when it is
     * {@code connection}'s (same connection and tenure, as {@link #adopt} checks) and that process
     * has claimed it since this one let it go: for a process that released its pages to send their
     * callers there at once. Reads only; claims nothing.
     */
    Optional<String> continuedElsewhere(String key, Connection connection) {
        return read(key).flatMap(stored -> PageRecord.decode(stored.value()))
                .filter(record -> record.page().connectionId().equals(connection.key())
                        && record.tenure().equals(connection.tenure())
                        && !record.released() && !record.owner().equals(self))
                .map(record -> record.page().id());
    }

    /**
     * Starts writing the page's snapshot (encoded here, on the caller's thread); a page another
     * process took over is dropped when the answer says so.
     *
     * @return completes when the write is answered; fails with {@link StateUnavailable}
     */
    CompletableFuture<Void> write(ResidentPage page) {
        return write(page, pages);
    }

    /**
     * Like {@link #write}, but durable when it completes (it waits for a commit, which concurrent
     * writers share): a page just opened, whose id its client is about to be told. What was written
     * batched before it is committed with it.
     */
    CompletableFuture<Void> writeFirst(ResidentPage page) {
        return write(page, pagesNow);
    }

    private CompletableFuture<Void> write(ResidentPage page, Bucket into) {
        if (page.isClosed()) {
            return DONE;
        }
        SavedPage saved = save(page);
        if (saved == null) {
            return DONE; // a call is running: its end marks the page again
        }
        String key = StateKeys.page(page.id());
        byte[] record = new PageRecord(saved, self, false, page.tenure()).encode();
        measured.accept(page, record.length);
        if (tooLarge(page, record)) {
            return DONE;
        }
        long fingerprint = SnapshotFingerprint.of(record);
        if (page.sentAlready(fingerprint) && !dueForRefresh(page, System.currentTimeMillis())) {
            return UNCHANGED; // a read-only call marks its page too: nothing to store, no ttl to refresh yet
        }
        page.sending(fingerprint);
        return into.updateAsync(key, record, page.revision())
                .thenCompose(revision -> revision != -1 ? CompletableFuture.completedFuture(revision)
                        : writeAgainIfStillOwn(key, record, saved.epoch()))
                .thenAccept(revision -> {
                    if (revision != -1) {
                        page.revision(revision);
                        if (page.discarded()) {
                            delete(page); // closed for good while this write was on its way: not again
                        }
                        return;
                    }
                    Thread.startVirtualThread(() -> takenOver(page, "at its write"));
                })
                .whenComplete((ok, failed) -> {
                    if (failed != null) {
                        page.notStored(fingerprint); // marked again by the writer: written again, whatever it holds
                    }
                })
                .exceptionally(failed -> {
                    BucketFull full = RefusedWrites.fullBucket(failed);
                    if (full == null) {
                        throw failed instanceof CompletionException wrapped ? wrapped : new CompletionException(failed);
                    }
                    refusedWrites.refused("page " + key, full); // not marked again: its next change tries again
                    return null;
                });
    }

    /**
     * A write refused because the saved copy moved on may have been moved on by this process's own
     * earlier write, stored by NATS but never answered (NATS went away in between): the writer
     * then took it as failed and wrote again at the old revision. When the saved copy is this
     * process's own, of this page's epoch, write over it at its revision. When there is no saved
     * copy and no mark of a deletion either, it went with the store (NATS came back with nothing
     * stored): no other process can take a page over without its copy, so write it as new.
     * Otherwise another process took the page over, or closed it (-1).
     */
    private CompletableFuture<Long> writeAgainIfStillOwn(String key, byte[] record, String epoch) {
        return CompletableFuture.supplyAsync(() -> {
            Optional<Versioned> stored = pages.get(key);
            if (stored.isEmpty()) {
                return pages.vanished(key) ? 0L : -1L;
            }
            boolean own = PageRecord.decode(stored.get().value()).filter(copy -> copy.runBy(self, epoch)).isPresent();
            return own ? stored.get().revision() : -1L;
        }, Thread::startVirtualThread).thenCompose(revision -> revision == -1
                ? CompletableFuture.completedFuture(-1L)
                : pages.updateAsync(key, record, revision));
    }

    /**
     * Writes the last snapshot of every page marked released, so other processes continue them at
     * once, and hands each page to {@code evict} as soon as its snapshot is taken (no call runs here
     * after it: one waiting for the page gets 503 {@code unavailable}); up to
     * {@value #RELEASES_IN_FLIGHT} writes in flight, so a drain of many pages takes about their
     * bytes' transfer time rather than one round trip each. A NATS restart holds the writes until
     * the link is back, up to the request timeout; once one write found no link in that time, the
     * pages not yet sent are evicted unwritten rather than each waiting for it again (a write sent
     * and not answered in time stops nothing: the store is slow, not away).
     *
     * @param callWait how long to wait, for all the pages together, for calls running on them (they
     *                 began during the drain)
     * @return whether every one was written
     */
    boolean release(Collection<ResidentPage> all, Consumer<ResidentPage> evict, Duration callWait) {
        Semaphore window = new Semaphore(RELEASES_IN_FLIGHT);
        AtomicBoolean unreachable = new AtomicBoolean();
        List<CompletableFuture<Boolean>> writes = new ArrayList<>();
        boolean complete = true;
        long waitEnds = System.nanoTime() + callWait.toNanos(); // one wait for all the pages' calls
        for (ResidentPage page : all) {
            boolean open = !page.isClosed();
            SavedPage saved = saveForMove(page, Duration.ofNanos(Math.max(0, waitEnds - System.nanoTime())));
            evict.accept(page);
            if (saved == null) {
                complete = false; // a call kept running
                continue;
            }
            if (!open) {
                continue;
            }
            byte[] record = new PageRecord(saved, self, true, page.tenure()).encode();
            measured.accept(page, record.length);
            if (tooLarge(page, record)) {
                complete = false;
                continue;
            }
            window.acquireUninterruptibly();
            if (unreachable.get()) {
                window.release();
                complete = false; // each write would wait the request timeout again for a link that did not come
                continue;
            }
            String key = StateKeys.page(page.id());
            writes.add(pages.updateAsync(key, record, page.revision())
                    .handle((revision, error) -> {
                        window.release();
                        if (error != null) {
                            BucketFull full = RefusedWrites.fullBucket(error);
                            if (full != null) {
                                refusedWrites.refused("page " + key + " (at drain)", full);
                                return false;
                            }
                            Throwable cause = error instanceof CompletionException && error.getCause() != null
                                    ? error.getCause() : error;
                            LOGGER.log(Level.WARNING, "page " + key + " not saved at drain: " + cause.getMessage());
                            if (cause instanceof StateUnreachable) {
                                unreachable.set(true); // no answer in time may still let the others through
                            }
                            return false;
                        }
                        return revision != -1;
                    }));
        }
        for (CompletableFuture<Boolean> write : writes) {
            complete &= write.join();
        }
        return complete;
    }

    /**
     * Removes the page's snapshot (its client closed it, it expired) at the store's next flush: a
     * page that comes back after a kill -9 expires again.
     */
    void delete(ResidentPage page) {
        page.discard(); // a write already on its way deletes the copy again when it lands
        try {
            pages.delete(StateKeys.page(page.id()));
        } catch (StateUnavailable e) {
            // it expires with the bucket's ttl
        }
    }

    /** Whether the page's snapshot should be written again before it expires in the store. */
    boolean dueForRefresh(ResidentPage page, long now) {
        return now - page.savedAt() > settings.pages().idleTtl().toMillis() / 2;
    }

    /**
     * Before a call on {@code page}: drops it (as {@code lost}) when this process outlived its
     * lease and another process runs the page now ({@link OwnershipChecks}).
     *
     * @param held every page this process holds
     */
    void beforeCall(ResidentPage page, Collection<ResidentPage> held) {
        ownership.beforeCall(page, held);
    }

    /**
     * Before {@code page} is closed for good here (it expired, an admin dropped it, its share held
     * too much): whether its saved copy is still this process's to delete. After a lapse of the lease (a pause longer than
     * the page's idle time) another process may run it now: it is then dropped here (as
     * {@code lost}) and its copy, the other's page, stays.
     *
     * @param held every page this process holds
     */
    boolean stillOwnToClose(ResidentPage page, Collection<ResidentPage> held) {
        return ownership.beforeCall(page, held);
    }

    /** A page left this process: nothing about it is kept for its next call. */
    void left(ResidentPage page) {
        ownership.forget(page);
    }

    /**
     * Whether the snapshot is larger than may be written: then it is not (the page goes on here,
     * unsaved), counted, and logged at most once a minute. Written, it would fail every round of
     * writes over NATS (past its {@code max_payload}) and keep every other page unsaved.
     */
    private boolean tooLarge(ResidentPage page, byte[] record) {
        if (record.length <= maxPageBytes) {
            return false;
        }
        meters.pagesUnsaved.increment();
        long last = tooLargeLogged.get();
        long now = System.nanoTime();
        if (now - last >= MINUTE_NANOS && tooLargeLogged.compareAndSet(last, now)) {
            LOGGER.log(Level.WARNING, "page " + StateKeys.page(page.id()) + " (" + page.path() + ") not saved: its snapshot"
                    + " is " + record.length + " bytes, more than resident.state.max-page-bytes (" + maxPageBytes
                    + "); it ends with this process");
        }
        return true;
    }

    /** Counts, logs and drops a page that another process runs now, or closed, found {@code when}. */
    private void takenOver(ResidentPage page, String when) {
        meters.pagesLost.increment();
        LOGGER.log(Level.INFO, "page " + StateKeys.page(page.id()) + " is run by another process now, or was closed"
                + " there (found " + when + "); dropped here");
        lost.accept(page, "page moved");
    }

    void renewLease() {
        leases.renew();
    }

    void releaseLease() {
        leases.release();
    }

    /**
     * Takes the saved page over, conditional on the revision read. On the embedded store a claim
     * lost with a crash is made again at the next start (a commit per claim made a restart's burst
     * of continued pages write a file chunk each, twice the file).
     */
    private long claim(String key, SavedPage claimed, String tenure, long expected) {
        try {
            return pages.update(key, new PageRecord(claimed, self, false, tenure).encode(), expected);
        } catch (StateUnavailable e) {
            throw unavailable();
        }
    }

    private Optional<Versioned> read(String key) {
        try {
            return pages.get(key);
        } catch (StateUnavailable e) {
            throw unavailable();
        }
    }

    private Optional<ResidentPage> unusable(String key, String why) {
        meters.pagesUnusable.increment();
        LOGGER.log(Level.WARNING, "saved page " + key + " cannot be continued: " + why);
        return Optional.empty();
    }

    private static SavedPage save(ResidentPage page) {
        return interruptibly(page::save);
    }

    /** The snapshot of a page being released, after which no call runs on it here. */
    private static SavedPage saveForMove(ResidentPage page, Duration callWait) {
        return interruptibly(() -> page.saveForMove(callWait));
    }

    /** A snapshot taken by {@code take}, or null when it waited too long or was interrupted. */
    private static SavedPage interruptibly(SnapshotTaker take) {
        try {
            return take.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Takes a page's snapshot, waiting for its running call. */
    private interface SnapshotTaker {
        SavedPage get() throws InterruptedException;
    }

    private static PageException unavailable() {
        return new PageException(503, "unavailable", "the page store is unreachable; try again");
    }
}
