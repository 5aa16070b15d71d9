package dev.resident.registry;

import dev.resident.page.engine.ResidentPage;
import dev.resident.state.Bucket;
import dev.resident.state.StateUnavailable;
import dev.resident.state.Versioned;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Checks, after this process's lease may have run out (it was paused, or cut off from the store,
 * for longer than the lease), that each page it holds is still its own before the page's next
 * call: another process may have continued it meanwhile, and a call answered here would then be
 * lost with this copy. A page still its own is fenced (see {@link #stillOwn}); a page taken over
 * is dropped here, and its call answered 503 {@code unavailable}, which the client sends again
 * and is told where the page went. While the store cannot be asked, pages go on being served
 * from memory (a store outage cuts every process off alike, and no other can take a page over
 * without the store).
 */
final class OwnershipChecks {
    /** Reads and conditional writes of a page's copy before its fence gives up until the next call. */
    private static final int FENCE_TRIES = 8;
    private final ProcessLeases leases;
    private final Bucket pages;
    private final String self;
    private final Consumer<ResidentPage> takenOver;
    /** Keys of the pages held at the last lapse and not checked since. */
    private final Set<String> unchecked = ConcurrentHashMap.newKeySet();
    /** The lapses whose pages are in {@link #unchecked}. */
    private volatile long lapsesSeen;

    /** @param takenOver counts, logs and drops a page another process runs now */
    OwnershipChecks(ProcessLeases leases, Bucket pages, String self, Consumer<ResidentPage> takenOver) {
        this.leases = leases;
        this.pages = pages;
        this.self = self;
        this.takenOver = takenOver;
    }

    /**
     * Before a call on {@code page}: drops it (through {@code takenOver}) when it was held here at a
     * lapse of the lease and another process runs it, or closed it, now.
     *
     * @param held every page this process holds
     * @return false when it was dropped
     */
    boolean beforeCall(ResidentPage page, Collection<ResidentPage> held) {
        long lapses = leases.lapses();
        if (lapses != lapsesSeen) {
            noteLapse(lapses, held);
        }
        String key = StateKeys.page(page.id());
        if (unchecked.isEmpty() || !unchecked.contains(key)) {
            return true;
        }
        boolean own;
        try {
            own = stillOwn(key, page);
        } catch (StateUnavailable e) {
            return true; // checked at a later call, once the store answers
        }
        unchecked.remove(key);
        if (!own) {
            takenOver.accept(page);
        }
        return own;
    }

    /** A page left this process (closed, evicted, taken over): it needs no check at its next call. */
    void forget(ResidentPage page) {
        if (!unchecked.isEmpty()) {
            unchecked.remove(StateKeys.page(page.id()));
        }
    }

    /**
     * Whether the saved copy of {@code key} is still this process's, of the page's epoch; if so,
     * it is fenced first: written again as it is, at its revision (the page's next write expects
     * the new one). Another process that read the copy while this one's lease had run out, to
     * continue the page, then has its claim (a write at the revision it read) refused; one that
     * reads it after the fence finds this process's lease renewed, since
     * {@link ProcessLeases#lapses} renewed it before. A read alone would let a claim already under
     * way go through during the call.
     */
    private boolean stillOwn(String key, ResidentPage page) {
        for (int attempt = 0; attempt < FENCE_TRIES; attempt++) {
            Optional<Versioned> stored = pages.get(key);
            if (stored.isEmpty()) {
                // no mark of a deletion: its copy went with the store, and is written again as new
                return pages.vanished(key);
            }
            if (PageRecord.decode(stored.get().value()).filter(record -> record.runBy(self, page.epoch())).isEmpty()) {
                return false;
            }
            long fenced = pages.update(key, stored.get().value(), stored.get().revision());
            if (fenced != -1) {
                page.revision(fenced);
                return true;
            }
            // the copy moved on since it was read: this process's own snapshot, or a claim
        }
        throw new StateUnavailable("page " + key + ": its saved copy kept changing during the fence");
    }

    private synchronized void noteLapse(long lapses, Collection<ResidentPage> held) {
        if (lapses == lapsesSeen) {
            return;
        }
        for (ResidentPage page : held) {
            unchecked.add(StateKeys.page(page.id()));
        }
        lapsesSeen = lapses;
    }
}
