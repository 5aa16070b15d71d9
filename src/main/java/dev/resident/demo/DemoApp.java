package dev.resident.demo;

import dev.resident.page.PageDirectory;
import dev.resident.page.PageTypes;
import dev.resident.task.TaskTypes;
import io.helidon.config.Config;

import java.lang.System.Logger.Level;

/**
 * The demo application: the page type {@code /board} behind the static page at {@code /}, and the
 * task {@code orders.export} behind its export button. Its orders live in the site's global store
 * (they survive restarts and are shared by the processes of a site) or, with {@code demo.db}
 * ({@code DEMO_DB}), in a PostgreSQL table whose changes reach the boards through the dbevents
 * trigger.
 */
public final class DemoApp {
    private static final System.Logger LOGGER = System.getLogger(DemoApp.class.getName());

    private DemoApp() {
    }

    /**
     * Registers the demo's page type and its background task (the orders export) with the orders in
     * the global store; {@code site} feeds the online panel.
     */
    public static void register(PageTypes types, PageDirectory site, TaskTypes tasks) {
        register(types, site, tasks, StoredOrderBook.in(site.globalStore()));
    }

    /**
     * Registers the demo as {@code config} says: the orders in PostgreSQL when {@code demo.db} is
     * set, else in the global store.
     *
     * @return what to close when the server stops (the connection pool)
     */
    public static AutoCloseable register(PageTypes types, PageDirectory site, TaskTypes tasks, Config config) {
        String db = config.get("demo.db").asString().orElse("").trim();
        if (db.isEmpty()) {
            register(types, site, tasks);
            return () -> {
            };
        }
        if (config.get("dbevents.pg.url").asString().orElse("").isBlank()) {
            LOGGER.log(Level.WARNING, "DEMO_DB is set without DBEVENTS_PG_URL: boards will not see the orders' changes");
        }
        PgOrderBook book = PgOrderBook.open(db, config.get("dbevents.pg.channel").asString().get());
        register(types, site, tasks, book);
        LOGGER.log(Level.INFO, "demo orders in PostgreSQL");
        return book;
    }

    private static void register(PageTypes types, PageDirectory site, TaskTypes tasks, OrderBook book) {
        types.register(BoardPage.type(book, new Online(site)));
        tasks.register(OrdersExport.type(book));
    }
}
