package dev.resident.task.engine;

/** Where submitted jobs wait for a worker: in this process, or a JetStream work queue shared by the site. */
public interface JobQueue extends AutoCloseable {

    /**
     * Queues a job without waiting for a worker.
     *
     * @throws dev.resident.page.PageException 429 {@code rate_limited} when the queue is full, 503
     *                                         {@code unavailable} when it cannot be reached in time
     */
    void enqueue(JobSpec spec);

    /**
     * Takes a queued job out of the queue, so that its place ({@code max-jobs-per-user}) comes back
     * at once: a cancelled job would hold it until a worker reached it. A job a worker has already
     * taken is left to that worker, which finds it cancelled.
     *
     * @param quota the job's {@link JobSpec#quota}
     * @return whether it was found and taken out; false also when the queue could not be reached
     */
    boolean withdraw(String jobId, String quota);

    /** Starts this process's workers: each takes a job, hands it to {@code runner}, and takes the next. */
    void start(JobRunner runner);

    /**
     * Jobs waiting for a worker (or, for a shared queue, not yet acknowledged), as last counted;
     * -1 while a shared queue cannot be counted (NATS away), rather than a count that grows stale.
     */
    long waiting();

    /** Stops taking jobs; a job running here now is left to the queue's own rules. */
    @Override
    void close();
}
