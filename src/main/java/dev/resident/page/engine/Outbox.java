package dev.resident.page.engine;

/** Where a page's messages go live: its open socket. */
public interface Outbox {

    /**
     * Queues a message for sending without blocking. When the outbox cannot take it, it closes
     * itself (the client resumes later with {@code after}).
     */
    void offer(String message);

    /** How many more messages it can take right now. */
    int room();

    /** How many more characters of messages it can take right now. */
    long roomBytes();

    /**
     * Closes the outbox because a newer one replaced it or the page is gone: after the answer of a
     * call running on it and what is queued (1013, too slow: at once, dropping what is queued).
     */
    void close(int code, String reason);
}
