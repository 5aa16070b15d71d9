package dev.resident.task.engine;

/**
 * Appends a {@code job} message to a page of this process, looked up by id at delivery time (so
 * it reaches a page that moved here); does nothing when this process has no such page.
 */
@FunctionalInterface
public interface PageDelivery {

    /**
     * @param tail the message's fields after {@code "seq":N,}, closing brace included
     * @return whether this process has the page
     */
    boolean deliver(String pageId, String tail);
}
