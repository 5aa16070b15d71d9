package dev.resident.demo;

import dev.resident.page.PageTypes;
import dev.resident.registry.Registry;
import dev.resident.task.TaskTypes;

/**
 * The demo application: the page type {@code /board} behind the static page at {@code /}, and the
 * task {@code orders.export} behind its export button.
 * Its orders live in this process's memory, so it is meant for the default single-process setup.
 */
public final class DemoApp {
    private DemoApp() {
    }

    /**
     * Registers the demo's page type and its background task (the orders export); {@code registry}
     * feeds the online panel.
     */
    public static void register(PageTypes types, Registry registry, TaskTypes tasks) {
        OrderBook book = OrderBook.seeded();
        types.register(BoardPage.type(book, new Online(registry)));
        tasks.register(OrdersExport.type(book));
    }
}
