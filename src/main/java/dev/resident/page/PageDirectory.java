package dev.resident.page;

import java.util.Collection;

/**
 * What an application sees of the pages around its own: the live pages of this process (for a
 * "who is online" panel) and the site's global store. {@code Resident.registry()} is one.
 */
public interface PageDirectory {

    /** The pages this process holds now. */
    Collection<? extends Page> livePages();

    /** The store shared by every page of the site (see {@link Page#globalStore()}). */
    Store globalStore();
}
