package dev.resident.registry;

import dev.resident.page.engine.ResidentPage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * How many live pages each share holds, and how many guest connections each client address: a
 * share is a logged-in user's ({@link #ofUser}) or, for a guest, the client address its
 * connection was made from ({@link #ofAddress}). A guest is a new user with every session, so its
 * pages count against its address.
 *
 * <p>The counts are made again from the live pages and connections at every sweep, and between
 * two sweeps grow by what was admitted since: nothing that ends has to be given back, so no count
 * can drift for longer than one sweep. A page or connection that ends frees its place at the next
 * sweep. A place taken while a sweep counts is added to the new counts as well (its page may
 * also have been counted live: a count may run one over until the next sweep, never under).
 *
 * <p>The same count weighs what each share's pages hold ({@link ResidentPage#heldChars}): page
 * code may keep what a client sends in its page's data, and a share past its bound loses its
 * largest pages.
 */
public final class LiveShares {
    private volatile Map<String, AtomicInteger> pages = new ConcurrentHashMap<>();
    private volatile Map<String, AtomicInteger> guestConnections = new ConcurrentHashMap<>();
    /** What each share's pages held at the last count, plus what their snapshots grew by since. */
    private volatile Map<String, AtomicLong> held = new ConcurrentHashMap<>();
    /** Takes hold its read lock; a recount its write lock to start noting takes and to swap its counts in. */
    private final ReentrantReadWriteLock counting = new ReentrantReadWriteLock();
    /** Places taken since the running recount began (null: none runs); guarded by {@link #counting}. */
    private Map<String, AtomicInteger> pagesTakenWhileCounting;
    private Map<String, AtomicInteger> connectionsTakenWhileCounting;

    /** The share of a logged-in user's pages. */
    public static String ofUser(String user) {
        return "u:" + user;
    }

    /** The share of the guests of one client address ({@code ClientAddress}'s key). */
    public static String ofAddress(String addressKey) {
        return "a:" + addressKey;
    }

    /** The address key of a share {@link #ofAddress} made, or null for another share. */
    static String addressOf(String share) {
        return share.startsWith("a:") ? share.substring(2) : null;
    }

    /** Whether {@code share} is the share of a client address's guests. */
    static boolean isAddressShare(String share) {
        return share.startsWith("a:") && share.length() > 2;
    }

    /** Takes a place for one more page of {@code share}: false when it holds {@code most} already. */
    public boolean takePage(String share, int most) {
        counting.readLock().lock();
        try {
            return take(pages, pagesTakenWhileCounting, share, most);
        } finally {
            counting.readLock().unlock();
        }
    }

    /** Takes a place for one more guest connection of the address: false when it holds {@code most} already. */
    public boolean takeGuestConnection(String addressKey, int most) {
        counting.readLock().lock();
        try {
            return take(guestConnections, connectionsTakenWhileCounting, ofAddress(addressKey), most);
        } finally {
            counting.readLock().unlock();
        }
    }

    /**
     * A page of {@code share} was measured {@code grown} larger than before: whether the share now
     * holds more than {@code most}, and should be weighed again without waiting for the sweep.
     */
    boolean grew(String share, long grown, long most) {
        return held.computeIfAbsent(share, s -> new AtomicLong()).addAndGet(grown) > most;
    }

    /** The pages {@code share} holds, as last counted plus those admitted since. */
    public int pages(String share) {
        AtomicInteger count = pages.get(share);
        return count == null ? 0 : count.get();
    }

    /**
     * Counts again from what lives: each page under its connection's share, each guest connection
     * under its address. A share whose pages hold more than {@code maxHeldChars} together
     * ({@link ResidentPage#heldChars}) gives up its largest pages until it is within it.
     *
     * @return the pages to close, for their shares' bounds
     */
    List<ResidentPage> recount(Iterable<ResidentPage> livePages, Iterable<Connection> connections,
                               Function<String, Connection> byKey, long now, long maxHeldChars) {
        counting.writeLock().lock();
        try {
            pagesTakenWhileCounting = new ConcurrentHashMap<>();
            connectionsTakenWhileCounting = new ConcurrentHashMap<>();
        } finally {
            counting.writeLock().unlock();
        }
        Map<String, AtomicInteger> pageCounts = new ConcurrentHashMap<>();
        Map<String, Held> weighing = new HashMap<>();
        for (ResidentPage page : livePages) {
            Connection connection = byKey.apply(page.connectionId());
            String share = connection == null ? null : connection.share();
            if (share != null) {
                pageCounts.computeIfAbsent(share, s -> new AtomicInteger()).incrementAndGet();
                if (maxHeldChars != Long.MAX_VALUE) { // unbounded (ADDRESS_LIMITS=false): nothing to weigh
                    weighing.computeIfAbsent(share, s -> new Held()).add(page, page.heldChars(now));
                }
            }
        }
        Map<String, AtomicInteger> connectionCounts = new ConcurrentHashMap<>();
        for (Connection connection : connections) {
            String share = connection.share();
            if (share != null && connection.identity().guest()) {
                connectionCounts.computeIfAbsent(share, s -> new AtomicInteger()).incrementAndGet();
            }
        }
        counting.writeLock().lock();
        try {
            addTo(pageCounts, pagesTakenWhileCounting);
            addTo(connectionCounts, connectionsTakenWhileCounting);
            pages = pageCounts;
            guestConnections = connectionCounts;
            pagesTakenWhileCounting = null;
            connectionsTakenWhileCounting = null;
        } finally {
            counting.writeLock().unlock();
        }
        Map<String, AtomicLong> heldNow = new ConcurrentHashMap<>();
        List<ResidentPage> overBudget = new ArrayList<>();
        weighing.forEach((share, weighed) -> {
            heldNow.put(share, new AtomicLong(weighed.total()));
            weighed.largestBeyond(maxHeldChars, overBudget);
        });
        this.held = heldNow;
        return overBudget;
    }

    /** What the pages of one share hold. */
    private static final class Held {
        private final List<ResidentPage> pages = new ArrayList<>();
        private final List<Long> chars = new ArrayList<>();
        private long total;

        long total() {
            return total;
        }

        void add(ResidentPage page, long held) {
            pages.add(page);
            chars.add(held);
            total += held;
        }

        /** Adds to {@code out} the largest pages, until what is left holds at most {@code most}. */
        void largestBeyond(long most, List<ResidentPage> out) {
            if (total <= most) {
                return;
            }
            Integer[] order = new Integer[pages.size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingLong((Integer i) -> chars.get(i)).reversed());
            long left = total;
            for (int i = 0; i < order.length && left > most; i++) {
                out.add(pages.get(order[i]));
                left -= chars.get(order[i]);
            }
        }
    }

    /** Takes a place in {@code counts}, noted in {@code whileCounting} too when a recount runs (not null). */
    private static boolean take(Map<String, AtomicInteger> counts, Map<String, AtomicInteger> whileCounting,
                                String share, int most) {
        AtomicInteger count = counts.computeIfAbsent(share, s -> new AtomicInteger());
        if (count.incrementAndGet() > most) {
            count.decrementAndGet();
            return false;
        }
        if (whileCounting != null) {
            whileCounting.computeIfAbsent(share, s -> new AtomicInteger()).incrementAndGet();
        }
        return true;
    }

    private static void addTo(Map<String, AtomicInteger> counts, Map<String, AtomicInteger> taken) {
        taken.forEach((share, places) -> counts.computeIfAbsent(share, s -> new AtomicInteger()).addAndGet(places.get()));
    }
}
