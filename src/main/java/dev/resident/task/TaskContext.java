package dev.resident.task;

import java.util.concurrent.Callable;

/** What a running task sees of its job. */
public interface TaskContext {

    /** The job's id, as the page got it from {@code submit}. */
    String jobId();

    /** The user who submitted the job ({@code guest_...} for a guest). */
    String user();

    /** 1 on the first run; more when a worker died during an earlier one and the job was redelivered. */
    int attempt();

    /**
     * Reports progress. Cheap to call often: the page gets at most a few progress messages per
     * second (the latest wins), and on the NATS backend each call also tells the queue the job is
     * still alive, so it is not redelivered while it runs.
     *
     * @param message a short text, cut to 200 characters; may be null
     */
    void progress(long done, long total, String message);

    /** Whether the job was cancelled; a task that sees it should stop soon (its result is dropped). */
    boolean isCancelled();

    /** Runs CPU-bound work on the server's CPU pool, as {@link dev.resident.page.Page#compute} does. */
    <T> T compute(Callable<T> work) throws Exception;
}
