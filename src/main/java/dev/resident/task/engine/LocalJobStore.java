package dev.resident.task.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Job states in this process's memory: finished jobs are forgotten after {@code keepFinished};
 * beyond {@code maxJobs} jobs the oldest finished ones of the quota holding the most go first, and
 * beyond {@code maxKeptResults} bytes of their results together the oldest finished ones.
 */
final class LocalJobStore implements JobStore {
    private final ConcurrentHashMap<String, JobStatus> jobs = new ConcurrentHashMap<>();
    private final long keepMillis;
    private final int maxJobs;
    private final long maxKeptResults;
    /** What the results of the jobs remembered hold now (two bytes a char). */
    private final AtomicLong keptResults = new AtomicLong();
    /** What the results of each quota's jobs hold ({@code max-result-bytes-per-user}). */
    private final WindowShares resultBytes;
    /** How many jobs each quota submitted ({@code max-jobs-per-user-per-window}). */
    private final WindowShares submits;

    LocalJobStore(TaskSettings settings) {
        this.keepMillis = settings.keepFinished().toMillis();
        this.maxJobs = settings.maxJobs();
        this.maxKeptResults = settings.maxKeptResults();
        this.resultBytes = new WindowShares(settings.keepFinished(), settings.maxResultBytesPerUser(), settings.maxJobs());
        this.submits = new WindowShares(settings.keepFinished(), settings.maxJobsPerUserPerWindow(), settings.maxJobs());
    }

    @Override
    public boolean keepResult(String quota, long bytes) {
        return resultBytes.take(quota, bytes, System.currentTimeMillis());
    }

    @Override
    public boolean takeSubmit(String quota) {
        return submits.take(quota, 1, System.currentTimeMillis());
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

    /**
     * Drops finished jobs past their time; then, over {@code maxJobs}, the oldest finished ones of
     * whichever quota holds the most finished jobs, down to a hundredth below the bound (one user
     * submitting jobs by the thousand forgets its own first, not everyone else's); then, over
     * {@code maxKeptResults}, the oldest finished ones.
     */
    private void trim(long now) {
        jobs.values().stream().filter(job -> job.state().finished() && now - job.updatedAt() > keepMillis)
                .toList()
                .forEach(this::forget);
        if (jobs.size() >= maxJobs) {
            forgetFromLargestHolders(maxJobs - Math.max(1, maxJobs / 100));
        }
        if (keptResults.get() > maxKeptResults) {
            Iterator<JobStatus> oldest = finishedOldestFirst().iterator();
            while (oldest.hasNext() && keptResults.get() > maxKeptResults) {
                forget(oldest.next());
            }
        }
    }

    /** Forgets finished jobs, each time the oldest of the quota that holds the most, until {@code target} are left. */
    private void forgetFromLargestHolders(int target) {
        Map<String, Deque<JobStatus>> byQuota = new HashMap<>();
        for (JobStatus job : finishedOldestFirst()) {
            byQuota.computeIfAbsent(job.quota(), q -> new ArrayDeque<>()).add(job);
        }
        PriorityQueue<Deque<JobStatus>> largest = new PriorityQueue<>(
                Comparator.comparingInt((Deque<JobStatus> held) -> held.size()).reversed());
        largest.addAll(byQuota.values());
        while (jobs.size() > target && !largest.isEmpty()) {
            Deque<JobStatus> held = largest.poll();
            forget(held.pollFirst());
            if (!held.isEmpty()) {
                largest.add(held);
            }
        }
    }

    private List<JobStatus> finishedOldestFirst() {
        return jobs.values().stream().filter(job -> job.state().finished())
                .sorted(Comparator.comparingLong(JobStatus::updatedAt))
                .toList();
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
