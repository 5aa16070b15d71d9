package dev.resident.registry;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which share ({@link LiveShares}) first asked for each table the process watches, and how many of
 * the watched tables each share brought in: past half of {@code max-watched-tables}, a share that
 * brought in {@link #perShare} tables brings in no more, so one user (or one address's guests)
 * naming made-up tables cannot take every place and keep everyone else's pages from their
 * dbevents. Tables that several shares watch count for the one that brought them in, until no
 * page watches them.
 */
final class TableIntroductions {
    /** The share of a page whose connection has none known (a guest continued from an old copy). */
    private static final String UNKNOWN = "?";
    private final int maxTables;
    private final int perShare;
    private final ConcurrentHashMap<String, String> introducedBy = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> byShare = new ConcurrentHashMap<>();

    /** @param maxTables the process's cap ({@code max-watched-tables}) */
    TableIntroductions(int maxTables) {
        this.maxTables = maxTables;
        this.perShare = perShare(maxTables);
    }

    /** The tables one share may bring in past half the cap: a 40th of it, at least 16. */
    static int perShare(int maxTables) {
        return Math.max(16, maxTables / 40);
    }

    /**
     * Whether {@code share} may bring in one more table while the process watches {@code watched};
     * if so, it is counted as that table's. Called under the table's own lock.
     */
    boolean take(String table, String share, int watched) {
        String who = share == null ? UNKNOWN : share;
        boolean[] taken = new boolean[1];
        byShare.compute(who, (s, count) -> {
            int now = count == null ? 0 : count;
            taken[0] = watched < maxTables / 2 || now < perShare;
            return taken[0] ? Integer.valueOf(now + 1) : count;
        });
        if (taken[0]) {
            introducedBy.put(table, who);
        }
        return taken[0];
    }

    /** No page watches {@code table} any more: its place goes back to the share that brought it in. */
    void gone(String table) {
        String who = introducedBy.remove(table);
        if (who != null) {
            byShare.computeIfPresent(who, (s, count) -> count <= 1 ? null : count - 1);
        }
    }
}
