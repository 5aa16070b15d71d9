package dev.resident.demo;

import dev.resident.page.PageTypes;
import dev.resident.registry.Registry;

/**
 * The demo application: the page type {@code /board} behind the static page at {@code /}.
 * Its orders live in this process's memory, so it is meant for the default single-process setup.
 */
public final class DemoApp {
    private DemoApp() {
    }

    /** Registers the demo's page types; {@code registry} feeds the online panel. */
    public static void register(PageTypes types, Registry registry) {
        types.register(BoardPage.type(OrderBook.seeded(), new Online(registry)));
    }
}
