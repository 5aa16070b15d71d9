package dev.resident.task.engine;

import dev.resident.page.engine.CpuPool;
import dev.resident.task.TaskContext;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** The {@link TaskContext} of one run of a job. */
final class RunningJob implements TaskContext {
    private final JobSpec spec;
    private final int attempt;
    private final ProgressGate gate;
    private final Runnable alive;
    private final long aliveEveryNanos;
    private final CpuPool cpu;
    private volatile boolean cancelled;
    private volatile Progress latest;
    private long lastAlive = System.nanoTime();
    /** When the job's record was last written by its run (its start, or {@link #recordDue}). */
    private long recordedAt = System.nanoTime();

    RunningJob(JobSpec spec, int attempt, ProgressGate gate, Runnable alive, long aliveEveryMillis, CpuPool cpu) {
        this.spec = spec;
        this.attempt = attempt;
        this.gate = gate;
        this.alive = alive;
        this.aliveEveryNanos = TimeUnit.MILLISECONDS.toNanos(aliveEveryMillis);
        this.cpu = cpu;
    }

    @Override
    public String jobId() {
        return spec.jobId();
    }

    @Override
    public String user() {
        return spec.user();
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public void progress(long done, long total, String message) {
        Progress progress = new Progress(done, total, message);
        latest = progress;
        gate.offer(progress);
        stillAlive();
    }

    @Override
    public boolean isCancelled() {
        stillAlive();
        return cancelled;
    }

    @Override
    public <T> T compute(Callable<T> work) throws Exception {
        return cpu.compute(work);
    }

    JobSpec spec() {
        return spec;
    }

    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** The last progress reported, sent or not. */
    Progress latest() {
        return latest;
    }

    void stop() {
        gate.close();
    }

    /**
     * Whether the job's record was last written {@code everyNanos} ago or more; if so, it counts as
     * written now (the caller writes it).
     */
    synchronized boolean recordDue(long everyNanos) {
        long now = System.nanoTime();
        if (now - recordedAt < everyNanos) {
            return false;
        }
        recordedAt = now;
        return true;
    }

    /** Tells the queue the job still runs, at most once per interval. */
    private void stillAlive() {
        long now = System.nanoTime();
        synchronized (this) {
            if (now - lastAlive < aliveEveryNanos) {
                return;
            }
            lastAlive = now;
        }
        try {
            alive.run();
        } catch (RuntimeException e) {
            // the queue cannot be told now (NATS away): the task goes on, at worst it is redelivered
        }
    }
}
