package dev.resident.legacy;

import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.Params;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code /_legacy} page type: the resident side of a page still rendered by the legacy app
 * (migration phase 3). A legacy HTML page includes {@code /_/resident.js} and opens it with
 * {@code {"tables":[...],"legacy_page_id":"..."}}; the bridge page subscribes to those tables
 * and so receives their dbevents, its user's notifications (the user of the one login) and the
 * broadcasts, with no Java code per page. Its data is {@code {"legacy_page_id","tables"}}.
 * Only a logged-in user may open one unless {@code legacy.bridge.guests} allows guests, and only on
 * the tables {@code legacy.bridge.tables} names: a dbevent may carry the whole row, and the legacy
 * app's own pages show a user only what it allows ({@link BridgeTables}).
 */
public final class LegacyBridgePage {
    public static final String PATH = "/_legacy";
    static final int MAX_TABLES = 32;
    static final int MAX_NAME = 128;
    /** Table names as Genropy writes them ({@code pkg.table}) and page ids: no spaces, quotes or markup. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]+");

    private LegacyBridgePage(Page page, Params params, boolean guests, BridgeTables allowed) {
        if (page.isGuest() && !guests) {
            throw new PageException(401, "unauthorized", "log in to the legacy app first");
        }
        String legacyPageId = params.string("legacy_page_id");
        checkName("legacy_page_id", legacyPageId);
        List<String> asked = params.strings("tables");
        if (asked.size() > MAX_TABLES) {
            throw PageException.unprocessable("at most " + MAX_TABLES + " tables");
        }
        Set<String> tables = new LinkedHashSet<>();
        for (String table : asked) {
            checkName("a table", table);
            if (!allowed.allows(table)) {
                throw new PageException(403, "forbidden", "table " + table + " is not in legacy.bridge.tables");
            }
            tables.add(table);
        }
        page.data().set("legacy_page_id", legacyPageId);
        page.data().set("tables", List.copyOf(tables));
        tables.forEach(page::subscribe);
    }

    /**
     * @param guests  whether a guest may open a bridge page ({@code legacy.bridge.guests})
     * @param allowed the tables a bridge page may watch ({@code legacy.bridge.tables})
     */
    public static PageType<LegacyBridgePage> type(boolean guests, BridgeTables allowed) {
        return PageType.builder(PATH, (page, params) -> new LegacyBridgePage(page, params, guests, allowed)).build();
    }

    private static void checkName(String what, String name) {
        if (name.isEmpty() || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw PageException.unprocessable(what + " must be 1.." + MAX_NAME + " characters of A-Z a-z 0-9 _ . : -");
        }
    }
}
