package dev.resident.page.engine;

import dev.resident.page.PageException;

/**
 * The page lives on another process of the site now: 409 {@code page_moved} with its current id
 * (the WebSocket closes with 4307 and the id as reason). The client switches to that id and goes on.
 */
public final class PageMoved extends PageException {
    private final String pageId;

    public PageMoved(String pageId) {
        super(409, "page_moved", "the page moved; its id is now " + pageId);
        this.pageId = pageId;
    }

    /** The page's current id. */
    public String pageId() {
        return pageId;
    }
}
