package dev.resident.task.engine;

import dev.resident.metrics.ResidentMeters;
import io.helidon.metrics.api.Counter;

import java.time.Duration;
import java.util.function.Supplier;

/** The {@code resident_tasks_*} meters, among the process's own (removed with them). */
public final class TaskMeters implements AutoCloseable {
    private final ResidentMeters meters;
    final Counter submitted;
    final Counter rejected;
    final Counter completed;
    final Counter failed;
    final Counter cancelled;
    final Counter redelivered;
    final Counter malformed;
    final Counter fallbacks;

    public TaskMeters(ResidentMeters meters) {
        this.meters = meters;
        submitted = meters.counter("resident.tasks.submitted", "jobs accepted by submit");
        rejected = meters.counter("resident.tasks.rejected", "submits refused: queue full or unreachable");
        completed = meters.counter("resident.tasks.completed", "jobs done");
        failed = meters.counter("resident.tasks.failed", "jobs failed");
        cancelled = meters.counter("resident.tasks.cancelled", "jobs cancelled");
        redelivered = meters.counter("resident.tasks.redelivered", "jobs run again after a worker died");
        malformed = meters.counter("resident.tasks.malformed", "queue messages dropped as malformed");
        fallbacks = meters.counter("resident.tasks.fallback", "jobs queued in-process because NATS was unreachable");
    }

    /** A queue message that is not a job was dropped. */
    public void malformed() {
        malformed.increment();
    }

    void gauge(String name, String description, Supplier<? extends Number> value) {
        meters.gauge(name, description, value);
    }

    void duration(String type, Duration duration) {
        meters.timer("resident.tasks.duration", "run time of jobs by task type", "type", type).record(duration);
    }

    /** Nothing to do: the process's {@link ResidentMeters} removes these meters with its own. */
    @Override
    public void close() {
    }
}
