package dev.resident.legacy;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The tables a {@code /_legacy} bridge page may watch ({@code legacy.bridge.tables}): each entry a
 * table name ({@code orders}, {@code pkg.invoices}), every table of a package ({@code pkg.*}), or
 * {@code *}, every table. None by default: a dbevent may carry the whole row, and which tables a
 * logged-in user may see is the site's to say.
 */
public final class BridgeTables {
    private final boolean any;
    private final Set<String> tables;
    private final Set<String> packages;

    private BridgeTables(boolean any, Set<String> tables, Set<String> packages) {
        this.any = any;
        this.tables = tables;
        this.packages = packages;
    }

    /** @param entries table names, {@code pkg.*} or {@code *} */
    public static BridgeTables of(List<String> entries) {
        return new BridgeTables(entries.contains("*"),
                entries.stream().filter(entry -> !entry.endsWith("*")).collect(Collectors.toUnmodifiableSet()),
                entries.stream().filter(entry -> entry.endsWith(".*") && entry.length() > 2)
                        .map(entry -> entry.substring(0, entry.length() - 1)).collect(Collectors.toUnmodifiableSet()));
    }

    boolean allows(String table) {
        if (any || tables.contains(table)) {
            return true;
        }
        int dot = table.lastIndexOf('.');
        return dot > 0 && packages.contains(table.substring(0, dot + 1));
    }

    /** Whether it allows no table at all (a bridge page then watches nothing: worth a word at start). */
    public boolean none() {
        return !any && tables.isEmpty() && packages.isEmpty();
    }
}
