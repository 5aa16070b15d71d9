package dev.resident.task.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Job states in this process's memory: finished jobs are forgotten after {@code keepFinished}, and
 * beyond {@code maxJobs} jobs, or beyond {@code maxKeptResults} bytes of their results together,
 * the oldest finished ones go first.
 */
final class LocalJobStore implements JobStore {
    private final ConcurrentHashMap<String, JobStatus> jobs = new ConcurrentHashMap<>();
    private final long keepMillis;
    private final int maxJobs;
    private final long maxKeptResults;
    /** What the results of the jobs remembered hold now (two bytes a char). */
    private final AtomicLong keptResults = new AtomicLong();
    private final ResultShares shares;

    LocalJobStore(TaskSettings settings) {
        this.keepMillis = settings.keepFinished().toMillis();
        this.maxJobs = settings.maxJobs();
        this.maxKeptResults = settings.maxKeptResults();
        this.shares = new ResultShares(settings.keepFinished(), settings.maxResultBytesPerUser(), settings.maxJobs());
    }

    @Override
    public boolean keepResult(String quota, long bytes) {
        return shares.take(quota, bytes, System.currentTimeMillis());
    }

    @Override
    public Optional<JobStatus> get(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    @Override
    public boolean create(JobStatus status) {
        if (jobs.size() >= maxJobs) {
            trim(System.currentTimeMillis());
        }
        if (jobs.putIfAbsent(status.jobId(), status) != null) {
            return false;
        }
        keptResults.addAndGet(weight(status));
        return true;
    }

    @Override
    public Optional<JobStatus> update(String jobId, UnaryOperator<JobStatus> change) {
        JobStatus[] stored = new JobStatus[1];
        jobs.computeIfPresent(jobId, (id, current) -> {
            JobStatus next = change.apply(current);
            if (next != null && current.accepts(next)) {
                stored[0] = next;
                keptResults.addAndGet(weight(next) - weight(current));
                return next;
            }
            return current;
        });
        if (stored[0] != null && keptResults.get() > maxKeptResults) {
            trim(System.currentTimeMillis());
        }
        return Optional.ofNullable(stored[0]);
    }

    @Override
    public void remove(String jobId) {
        JobStatus removed = jobs.remove(jobId);
        if (removed != null) {
            keptResults.addAndGet(-weight(removed));
        }
    }

    @Override
    public List<JobStatus> recent() {
        trim(System.currentTimeMillis());
        return new ArrayList<>(jobs.values());
    }

    @Override
    public void close() {
    }

    /** Drops finished jobs past their time, then the oldest finished ones while over a bound. */
    private void trim(long now) {
        jobs.values().stream().filter(job -> job.state().finished() && now - job.updatedAt() > keepMillis)
                .toList()
                .forEach(this::forget);
        if (jobs.size() >= maxJobs || keptResults.get() > maxKeptResults) {
            Iterator<JobStatus> oldest = jobs.values().stream().filter(job -> job.state().finished())
                    .sorted(Comparator.comparingLong(JobStatus::updatedAt))
                    .toList()
                    .iterator();
            while (oldest.hasNext() && (jobs.size() >= maxJobs || keptResults.get() > maxKeptResults)) {
                forget(oldest.next());
            }
        }
    }

    /** Removes {@code job} unless it changed meanwhile. */
    private void forget(JobStatus job) {
        if (jobs.remove(job.jobId(), job)) {
            keptResults.addAndGet(-weight(job));
        }
    }

    /** What a job's result holds: two bytes a char (a Latin-1 text holds half). */
    private static long weight(JobStatus job) {
        return job.result() == null ? 0 : 2L * job.result().length();
    }
}
