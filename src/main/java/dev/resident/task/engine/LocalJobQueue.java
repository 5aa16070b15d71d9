package dev.resident.task.engine;

import dev.resident.page.PageException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process queue ({@code ipc.backend: local}, or the fallback when NATS is unreachable): a
 * bounded queue and {@code workers} virtual threads. Each user (each client address, for guests) has
 * at most {@code max-jobs-per-user} jobs in it or running, and the workers take the users' jobs in
 * turn ({@link FairQueue}): one user's many jobs never hold everyone else's back, the schedule's
 * runs included. Jobs still queued when the server stops end {@code failed}.
 */
final class LocalJobQueue implements JobQueue {
    private final FairQueue<JobSpec> waiting;
    private final int workers;
    private final int maxPerUser;
    /** Jobs of each quota ({@link JobSpec#quota}) queued or running; one with none is not kept. */
    private final ConcurrentHashMap<String, Integer> byUser = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private JobRunner runner;
    private volatile boolean closed;

    LocalJobQueue(TaskSettings settings) {
        this.waiting = new FairQueue<>(settings.queue(), JobSpec::quota);
        this.workers = settings.workers();
        this.maxPerUser = settings.maxJobsPerUser();
    }

    @Override
    public void enqueue(JobSpec spec) {
        if (workers == 0 || closed) {
            throw new PageException(503, "unavailable", "this server runs no tasks");
        }
        boolean[] admitted = new boolean[1];
        byUser.compute(spec.quota(), (user, jobs) -> {
            int now = jobs == null ? 0 : jobs;
            admitted[0] = now < maxPerUser;
            return admitted[0] ? now + 1 : jobs;
        });
        if (!admitted[0]) {
            throw PageException.rateLimited("you have " + maxPerUser + " jobs queued or running; try again later");
        }
        if (!waiting.offer(spec)) {
            ended(spec);
            throw PageException.rateLimited("the task queue is full, try again later");
        }
    }

    @Override
    public boolean withdraw(String jobId, String quota) {
        JobSpec[] removed = new JobSpec[1];
        boolean found = waiting.remove(spec -> {
            if (spec.jobId().equals(jobId)) {
                removed[0] = spec;
                return true;
            }
            return false;
        });
        if (found) { // else a worker took it first
            ended(removed[0]);
        }
        return found;
    }

    /** A job of the queue is over (run, or dropped): its user's place is given back. */
    private void ended(JobSpec spec) {
        byUser.computeIfPresent(spec.quota(), (user, jobs) -> jobs <= 1 ? null : jobs - 1);
    }

    @Override
    public synchronized void start(JobRunner jobs) {
        this.runner = jobs;
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofVirtual().name("resident-task-worker-" + i).start(this::work));
        }
    }

    @Override
    public long waiting() {
        return waiting.size();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            threads.forEach(Thread::interrupt);
        }
        for (JobSpec left = waiting.poll(); left != null; left = waiting.poll()) {
            if (runner != null) {
                runner.abandon(left, "the server stopped before the job ran");
            }
            ended(left);
        }
    }

    private void work() {
        while (!closed) {
            JobSpec spec;
            try {
                spec = waiting.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                runner.run(new Delivery(spec, 1, () -> { }));
            } finally {
                ended(spec);
            }
        }
    }
}
