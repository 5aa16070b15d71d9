package dev.resident.task.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Job states in this process's memory: finished jobs are forgotten after {@code keepFinished}, and
 * beyond {@code maxJobs} the oldest finished ones go first.
 */
final class LocalJobStore implements JobStore {
    private final ConcurrentHashMap<String, JobStatus> jobs = new ConcurrentHashMap<>();
    private final long keepMillis;
    private final int maxJobs;

    LocalJobStore(TaskSettings settings) {
        this.keepMillis = settings.keepFinished().toMillis();
        this.maxJobs = settings.maxJobs();
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
        return jobs.putIfAbsent(status.jobId(), status) == null;
    }

    @Override
    public Optional<JobStatus> update(String jobId, UnaryOperator<JobStatus> change) {
        JobStatus[] stored = new JobStatus[1];
        jobs.computeIfPresent(jobId, (id, current) -> {
            JobStatus next = change.apply(current);
            if (next != null && current.accepts(next)) {
                stored[0] = next;
                return next;
            }
            return current;
        });
        return Optional.ofNullable(stored[0]);
    }

    @Override
    public void remove(String jobId) {
        jobs.remove(jobId);
    }

    @Override
    public List<JobStatus> recent() {
        trim(System.currentTimeMillis());
        return new ArrayList<>(jobs.values());
    }

    @Override
    public void close() {
    }

    /** Drops finished jobs past their time, then the oldest finished ones while over the bound. */
    private void trim(long now) {
        jobs.values().removeIf(job -> job.state().finished() && now - job.updatedAt() > keepMillis);
        if (jobs.size() >= maxJobs) {
            jobs.values().stream().filter(job -> job.state().finished())
                    .sorted(Comparator.comparingLong(JobStatus::updatedAt))
                    .limit(jobs.size() - maxJobs + 1L)
                    .toList()
                    .forEach(job -> jobs.remove(job.jobId(), job));
        }
    }
}
