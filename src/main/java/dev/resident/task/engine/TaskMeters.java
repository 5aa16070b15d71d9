package dev.resident.task.engine;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** The {@code resident_tasks_*} meters of this process, tagged with the process name like the others. */
public final class TaskMeters implements AutoCloseable {
    private final MeterRegistry registry = Metrics.globalRegistry();
    private final Tag process;
    private final List<Meter> created = new CopyOnWriteArrayList<>();
    private final Map<String, Timer> durations = new ConcurrentHashMap<>();
    final Counter submitted;
    final Counter rejected;
    final Counter completed;
    final Counter failed;
    final Counter cancelled;
    final Counter redelivered;
    final Counter malformed;
    final Counter fallbacks;

    public TaskMeters(String processName) {
        this.process = Tag.create("process", processName.isEmpty() ? "single" : processName);
        submitted = counter("resident.tasks.submitted", "jobs accepted by submit");
        rejected = counter("resident.tasks.rejected", "submits refused: queue full or unreachable");
        completed = counter("resident.tasks.completed", "jobs done");
        failed = counter("resident.tasks.failed", "jobs failed");
        cancelled = counter("resident.tasks.cancelled", "jobs cancelled");
        redelivered = counter("resident.tasks.redelivered", "jobs run again after a worker died");
        malformed = counter("resident.tasks.malformed", "queue messages dropped as malformed");
        fallbacks = counter("resident.tasks.fallback", "jobs queued in-process because NATS was unreachable");
    }

    /** A queue message that is not a job was dropped. */
    public void malformed() {
        malformed.increment();
    }

    void gauge(String name, String description, Supplier<? extends Number> value) {
        created.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue())
                .description(description).tags(List.of(process))));
    }

    void duration(String type, Duration duration) {
        durations.computeIfAbsent(type, t -> {
            Timer timer = registry.getOrCreate(Timer.builder("resident.tasks.duration")
                    .description("run time of jobs by task type")
                    .publishPercentileHistogram(true)
                    .tags(List.of(process, Tag.create("type", t))));
            created.add(timer);
            return timer;
        }).record(duration);
    }

    private Counter counter(String name, String description) {
        Counter counter = registry.getOrCreate(Counter.builder(name).description(description).tags(List.of(process)));
        created.add(counter);
        return counter;
    }

    @Override
    public void close() {
        created.forEach(registry::remove);
        created.clear();
        durations.clear();
    }
}
