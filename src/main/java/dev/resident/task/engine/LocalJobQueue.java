package dev.resident.task.engine;

import dev.resident.page.PageException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The in-process queue ({@code ipc.backend: local}, or the fallback when NATS is unreachable): a
 * bounded queue and {@code workers} virtual threads. Jobs still queued when the server stops end
 * {@code failed}.
 */
final class LocalJobQueue implements JobQueue {
    private final BlockingQueue<JobSpec> waiting;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();
    private JobRunner runner;
    private volatile boolean closed;

    LocalJobQueue(TaskSettings settings) {
        this.waiting = new ArrayBlockingQueue<>(settings.queue());
        this.workers = settings.workers();
    }

    @Override
    public void enqueue(JobSpec spec) {
        if (workers == 0 || closed) {
            throw new PageException(503, "unavailable", "this server runs no tasks");
        }
        if (!waiting.offer(spec)) {
            throw PageException.rateLimited("the task queue is full, try again later");
        }
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
            runner.run(new Delivery(spec, 1, () -> { }));
        }
    }
}
