package dev.resident.task.engine;

/**
 * Appends a {@code job} message to a page of this process, looked up by id at delivery time (so
 * it reaches a page that moved here); does nothing when this process has no such page, nor when
 * the page's session now belongs to someone else than the job's user (a logout, another login on
 * a shared browser), unless the job was a guest's (the same browser's, before its login).
 */
@FunctionalInterface
public interface PageDelivery {

    /**
     * @param user the job's user
     * @param tail the message's fields after {@code "seq":N,}, closing brace included
     * @return whether this process has the page (also when the message was not for its user now)
     */
    boolean deliver(String pageId, String user, String tail);
}
