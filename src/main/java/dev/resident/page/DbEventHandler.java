package dev.resident.page;

import dev.resident.bus.DbEvent;

/**
 * Handles the dbevents of one table on the server, as legacy pages did with
 * {@code page.store.add_changes}: registered with {@link PageType.Builder#onDbEvent}. It runs on
 * the live page object, one at a time with the page's calls; the data changes it makes become one
 * {@code data} message, sent before the raw dbevent if that still goes to the client.
 *
 * @param <T> the page's own class
 */
@FunctionalInterface
public interface DbEventHandler<T> {

    /**
     * @param event the table's changes: {@code events} of {@code {"action","pkey","record"?}}, or
     *              {@code {"action":"*"}} when changes may have been missed (reload); shared by
     *              every page that receives it, so read it, never modify it
     * @return whether the raw dbevent still goes to the client; null counts as {@link RawEvent#FORWARD}
     */
    RawEvent handle(T page, DbEvent event) throws Exception;

    /** What becomes of the raw dbevent after the handler ran. */
    enum RawEvent {
        /** The client receives the dbevent too. */
        FORWARD,
        /** The handler took care of it: the client receives only the data changes. */
        SUPPRESS
    }
}
