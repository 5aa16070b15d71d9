package dev.resident.demo;

import dev.resident.page.PageTypes;

/** The demo application's page types. */
public final class DemoApp {
    private DemoApp() {
    }

    public static PageTypes pageTypes() {
        return new PageTypes();
    }
}
