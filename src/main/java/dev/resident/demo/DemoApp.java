package dev.resident.demo;

import dev.resident.page.PageDirectory;
import dev.resident.page.PageTypes;
import io.helidon.config.Config;

import java.lang.System.Logger.Level;

/**
 * The demo application: the page type {@code /board} behind the static page at {@code /}. Its
 * orders live in the site's global store (they survive restarts and are shared by the processes
 * of a site) or, with {@code demo.db} ({@code DEMO_DB}), in a PostgreSQL table whose changes reach
 * the boards through the dbevents trigger.
 */
public final class DemoApp {
    private static final System.Logger LOGGER = System.getLogger(DemoApp.class.getName());

    private DemoApp() {
    }

    /** Registers the demo's page types with the orders in the global store; {@code site} feeds the online panel. */
    public static void register(PageTypes types, PageDirectory site) {
        types.register(BoardPage.type(StoredOrderBook.in(site.globalStore()), new Online(site)));
    }

    /**
     * Registers the demo's page types as {@code config} says: the orders in PostgreSQL when
     * {@code demo.db} is set, else in memory.
     *
     * @return what to close when the server stops (the connection pool)
     */
    public static AutoCloseable register(PageTypes types, PageDirectory site, Config config) {
        String db = config.get("demo.db").asString().orElse("").trim();
        if (db.isEmpty()) {
            register(types, site);
            return () -> {
            };
        }
        if (config.get("dbevents.pg.url").asString().orElse("").isBlank()) {
            LOGGER.log(Level.WARNING, "DEMO_DB is set without DBEVENTS_PG_URL: boards will not see the orders' changes");
        }
        PgOrderBook book = PgOrderBook.open(db, config.get("dbevents.pg.channel").asString().orElse("resident_dbevents"));
        types.register(BoardPage.type(book, new Online(site)));
        LOGGER.log(Level.INFO, "demo orders in PostgreSQL");
        return book;
    }
}
