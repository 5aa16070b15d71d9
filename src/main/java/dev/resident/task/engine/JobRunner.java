package dev.resident.task.engine;

import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.ops.BoundedErrorLog;
import dev.resident.ops.Timers;
import dev.resident.page.PageException;
import dev.resident.page.Params;
import dev.resident.page.engine.CpuPool;
import dev.resident.task.TaskType;
import dev.resident.task.TaskTypes;

import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Runs one delivered job: skips it when it already finished or was cancelled, moves it to
 * {@code running}, runs the task with its context and records the outcome. Every state change goes
 * to the store first and then, when the store took it, to the job's page.
 */
public final class JobRunner {
    private static final System.Logger LOGGER = System.getLogger(JobRunner.class.getName());
    /**
     * Tasks that throw, as the rpc path logs page code that throws: twenty stacks a minute, two
     * hundred lines, then only their number. A task that fails on what its user sent could
     * otherwise write a stack per job (a user's 2,000 jobs a window) into the log.
     */
    private static final BoundedErrorLog FAILURES = new BoundedErrorLog(LOGGER, Level.ERROR, Duration.ofMinutes(1),
            20, 200);
    /** The pause between two tries to record a job's end while its store cannot be reached. */
    private static final Duration END_RETRY = Duration.ofMillis(250);
    private final TaskTypes types;
    private final JobStore store;
    private final JobEvents events;
    private final TaskMeters meters;
    private final CpuPool cpu;
    private final TaskSettings settings;
    private final Timers timer;
    private final ConcurrentHashMap<String, RunningJob> running = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    JobRunner(TaskTypes types, JobStore store, JobEvents events, TaskMeters meters, CpuPool cpu,
              TaskSettings settings, Timers timer) {
        this.types = types;
        this.store = store;
        this.events = events;
        this.meters = meters;
        this.cpu = cpu;
        this.settings = settings;
        this.timer = timer;
    }

    /**
     * Runs the job if it still has to run.
     *
     * @return true once it finished or was skipped; false when the server stopped while it ran, so
     *         a shared queue should hand it to another worker
     */
    public boolean run(Delivery delivery) {
        JobSpec spec = delivery.spec();
        if (delivery.attempt() > 1) {
            meters.redelivered.increment();
        }
        Optional<JobStatus> known = store.get(spec.jobId());
        if (known.isEmpty()) {
            store.create(JobStatus.queued(spec)); // its record expired
        } else if (known.get().state().finished()) {
            return true; // finished by an earlier run whose worker died before the queue heard of it, or cancelled
        } else if (known.get().cancelRequested()) {
            finish(spec, JobStatus::cancelled); // cancelled while its worker was dying: never again
            return true;
        }
        if (delivery.attempt() > settings.maxDeliveries()) {
            finish(spec, s -> s.failed("too_many_attempts",
                    "the job's worker stopped " + settings.maxDeliveries() + " times", null));
            return true;
        }
        TaskType type = types.find(spec.type()).orElse(null);
        if (type == null) {
            finish(spec, s -> s.failed("unknown_task", "no task type " + spec.type() + " on this worker", null));
            return true;
        }
        RunningJob[] self = new RunningJob[1];
        RunningJob job = new RunningJob(spec, delivery.attempt(),
                new ProgressGate(settings.progressPerSecond(), timer, progress -> report(spec, progress)),
                () -> {
                    delivery.alive().run();
                    cancelIfRequested(self[0]);
                    keepRecord(self[0]);
                }, Math.max(250, settings.ackWait().toMillis() / 4), cpu);
        self[0] = job;
        running.put(spec.jobId(), job);
        long start = System.nanoTime();
        try {
            if (change(spec, s -> s.running(delivery.attempt())).isEmpty()) {
                return true; // cancelled meanwhile
            }
            return execute(type, job, delivery.alive());
        } finally {
            running.remove(spec.jobId(), job);
            meters.duration(spec.type(), Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** The server stops: a task interrupted from now on is left to its queue instead of failing. */
    void stopping() {
        stopping = true;
    }

    /** Ends a job that will not run (its queue stopped) as {@code failed}. */
    void abandon(JobSpec spec, String why) {
        finish(spec, s -> s.failed("abandoned", why, null));
    }

    /**
     * Cancels the job when its record has a cancel on record: a cancel reaches a job running in
     * another process by a message to every process, and one that missed it (its process was cut
     * off from NATS then) learns it here, at most an {@code ack-wait} quarter later.
     */
    private void cancelIfRequested(RunningJob job) {
        if (job != null && !job.cancelled()
                && store.get(job.spec().jobId()).map(JobStatus::cancelRequested).orElse(false)) {
            job.cancel();
        }
    }

    /**
     * Writes a running job's record again, unchanged, once half of {@code keep-finished} has passed
     * since its run last wrote it (at the job's heartbeat): the site's job store forgets a record
     * {@code keep-finished} after its last write (the NATS bucket's ttl), and a task that reports no
     * progress for longer than that lost it, so its end was never recorded nor sent to its page, and
     * {@code GET /_/jobs/{id}} said {@code unknown_job} while it ran.
     */
    private void keepRecord(RunningJob job) {
        if (job == null || !job.recordDue(settings.keepFinished().toNanos() / 2)) {
            return;
        }
        try {
            store.update(job.spec().jobId(), status -> status);
        } catch (RuntimeException e) {
            // the store cannot be reached now: the next heartbeat writes it
            LOGGER.log(Level.DEBUG, "record of job " + job.spec().jobId() + " not kept: " + e.getMessage());
        }
    }

    /** Marks the job cancelled if it runs in this process; the task sees it in {@code isCancelled()}. */
    public boolean cancelRunning(String jobId) {
        RunningJob job = running.get(jobId);
        if (job != null) {
            job.cancel();
        }
        return job != null;
    }

    int runningCount() {
        return running.size();
    }

    private boolean execute(TaskType type, RunningJob job, Runnable alive) {
        JobSpec spec = job.spec();
        Supplier<UnaryOperator<JobStatus>> outcome;
        try {
            Object value = type.task().run(Params.of(Json.parse(spec.params())), job);
            job.stop();
            String result = Json.write(Json.toTree(value));
            int size = result.getBytes(StandardCharsets.UTF_8).length;
            outcome = job.cancelled() ? () -> JobStatus::cancelled
                    : size > settings.maxResult()
                    ? () -> s -> s.failed("result_too_large", "the result has " + size + " bytes, more than "
                    + settings.maxResult(), null)
                    : doneIfKept(spec, result, size);
        } catch (PageException e) {
            job.stop();
            outcome = () -> job.cancelled() ? JobStatus::cancelled : s -> s.failed(e.code(), e.getMessage(), null);
        } catch (Exception | Error e) {
            job.stop();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (stopping && interruptedBy(e)) {
                return false;
            }
            if (job.cancelled()) {
                outcome = () -> JobStatus::cancelled;
            } else {
                String errorId = Ids.newId().substring(0, 12);
                FAILURES.log("task " + spec.type() + " job " + spec.jobId() + " failed, error id=" + errorId, e);
                outcome = () -> s -> s.failed("internal", "the task failed", errorId);
            }
        }
        Progress last = job.latest();
        // a task may end because the stop interrupted it and keep the thread's interrupt flag, as
        // it should: its end is recorded all the same (a store call fails at once on an
        // interrupted thread, and the job waited out its ack wait, then ran again), and the flag
        // is given back for the worker's loop
        boolean interrupted = Thread.interrupted();
        try {
            recordEnd(spec, outcome, last, alive);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }

    /**
     * The end of a run whose result is {@code result}: done when the store keeps its bytes (the
     * user's share, {@code max-result-bytes-per-user}), else failed. The store is asked when the
     * end is recorded, where its being out of reach is tried again, and once: a try again of the
     * end does not count the bytes twice.
     */
    private Supplier<UnaryOperator<JobStatus>> doneIfKept(JobSpec spec, String result, int size) {
        AtomicReference<UnaryOperator<JobStatus>> decided = new AtomicReference<>();
        return () -> {
            if (decided.get() == null) {
                decided.set(store.keepResult(spec.quota(), size) ? s -> s.done(result)
                        : s -> s.failed("result_not_kept", "the results of this user's jobs hold their share of the "
                        + "job store (resident.tasks.max-result-bytes-per-user): this one was not kept", null));
            }
            return decided.get();
        };
    }

    /**
     * Records the end of a task that ran, with its last progress. A store that cannot be reached
     * now (NATS restarting) is asked again, the queue told meanwhile that the job is still worked
     * on, up to an ack wait: given up at once, the job went back to the queue and its task (a
     * mailing, an export) ran again for an end that could be kept a moment later, or a result the
     * store could not count ended the job failed {@code unavailable}.
     *
     * @throws PageException 503 when it still cannot be reached (the job is left for redelivery)
     */
    private void recordEnd(JobSpec spec, Supplier<UnaryOperator<JobStatus>> outcome, Progress last, Runnable alive) {
        long deadline = System.nanoTime() + settings.ackWait().toNanos();
        while (true) {
            try {
                UnaryOperator<JobStatus> end = outcome.get();
                finish(spec, s -> end.apply(last == null ? s : s.progressed(last)));
                return;
            } catch (PageException e) {
                if (e.status() != 503 || stopping || System.nanoTime() + END_RETRY.toNanos() >= deadline) {
                    throw e;
                }
            }
            try {
                alive.run();
            } catch (RuntimeException e) {
                // NATS still away: tried again at the next round
            }
            try {
                Thread.sleep(END_RETRY); // the pause between two tries, not a wait for an event
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PageException(503, "unavailable", "the server stops: the job's end was not recorded");
            }
        }
    }

    /**
     * Whether the stop's interrupt made the task fail: an InterruptedException, or what a library
     * makes of the interrupt (a socket read, a JDBC query: "Closed by interrupt", the thread still
     * interrupted; an InterruptedException wrapped in its own exception). Such a job did not fail:
     * it goes back to the queue, as one whose task threw the InterruptedException itself does.
     */
    private static boolean interruptedBy(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < 16; depth++, cause = cause.getCause()) { // a cycle ends too
            if (cause instanceof InterruptedException || cause instanceof InterruptedIOException
                    || cause instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /** Records and sends a progress report; a store that cannot be reached just misses this one. */
    private void report(JobSpec spec, Progress progress) {
        try {
            change(spec, s -> s.progressed(progress));
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "progress of job " + spec.jobId() + " not recorded: " + e.getMessage());
        }
    }

    /**
     * Records a final state and counts it. One that does not fit in the store (a large result in a
     * full NATS bucket) ends the job failed instead: small, and what the page must hear.
     */
    private void finish(JobSpec spec, UnaryOperator<JobStatus> change) {
        Optional<JobStatus> stored;
        try {
            stored = change(spec, change);
        } catch (JobStore.Full full) {
            LOGGER.log(Level.WARNING, "job " + spec.jobId() + " ended, but its end did not fit in the job store ("
                    + full.getMessage() + "): recorded failed");
            stored = change(spec, s -> s.failed("result_not_kept", "the job store is full: the job's end was not kept",
                    null));
        }
        stored.ifPresent(status -> {
            switch (status.state()) {
                case DONE -> meters.completed.increment();
                case FAILED -> meters.failed.increment();
                case CANCELLED -> meters.cancelled.increment();
                default -> {
                }
            }
        });
    }

    private Optional<JobStatus> change(JobSpec spec, UnaryOperator<JobStatus> change) {
        Optional<JobStatus> stored = store.update(spec.jobId(), change);
        stored.ifPresent(events::send);
        return stored;
    }
}
