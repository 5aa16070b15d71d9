package dev.resident.task.engine;

import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Where job states are kept: this process's memory, or a NATS KV bucket the site shares. */
public interface JobStore extends AutoCloseable {

    Optional<JobStatus> get(String jobId);

    /**
     * Stores the first state of a new job unless a job with that id exists.
     *
     * @return false when it existed (another process queued the same scheduled run)
     */
    boolean create(JobStatus status);

    /**
     * Replaces the job's state with {@code change} applied to it, atomically, when the current
     * state {@link JobStatus#accepts accepts} the result.
     *
     * @return the stored new state, or empty when the job is unknown or the change was refused
     * @throws Full when the new state does not fit in the store
     */
    Optional<JobStatus> update(String jobId, UnaryOperator<JobStatus> change);

    /**
     * Takes room for a result of {@code bytes} that a job of {@code quota} (a user, or a guest's
     * address: {@link JobSpec#quota}) ended with: false when the results of that quota's jobs hold
     * its share of the store ({@code max-result-bytes-per-user}), and the job ends failed instead.
     * Counted in windows of {@code keep-finished}, the current one and the one before: a result is
     * counted for one to two of those, at least as long as it is kept.
     */
    boolean keepResult(String quota, long bytes);

    /**
     * Counts one job that {@code quota} submits, before its record is created: false when that quota
     * submitted {@code max-jobs-per-user-per-window} jobs already, and the submit is refused. Counted
     * like {@link #keepResult}'s bytes, in windows of {@code keep-finished} (the current one and the
     * one before), so that one client cannot fill the store with finished jobs' records.
     *
     * @throws dev.resident.page.PageException 503 when it cannot be counted now, 429 when the quota's
     *         count changed under every try (its holder submits many at once)
     */
    boolean takeSubmit(String quota);

    /** Forgets a job that was never queued. */
    void remove(String jobId);

    /** Jobs not yet finished, and finished ones still kept; for the admin view. */
    List<JobStatus> recent();

    @Override
    void close();

    /** The store holds all the bytes it may: this state was not kept. */
    final class Full extends RuntimeException {
        public Full(String message) {
            super(message, null, false, false);
        }
    }
}
