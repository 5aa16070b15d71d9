package dev.resident;

import dev.resident.bus.nats.NatsSettings;
import dev.resident.id.Ids;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import dev.resident.page.engine.CpuPool;
import dev.resident.registry.Registry;
import dev.resident.task.TaskTypes;
import dev.resident.task.engine.PageDelivery;
import dev.resident.task.engine.Schedule;
import dev.resident.task.engine.ScheduleMarks;
import dev.resident.task.engine.Scheduler;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskMeters;
import dev.resident.task.engine.TaskSettings;
import dev.resident.task.engine.nats.TaskNats;
import io.nats.client.Connection;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Builds the task engine from config: the in-process queue, or JetStream with the in-process fallback. */
final class TaskBackend {
    private static final System.Logger LOGGER = System.getLogger(TaskBackend.class.getName());
    private TaskBackend() {
    }

    /**
     * An engine whose job messages reach the registry's pages, registered as the registry's job
     * submitter.
     *
     * @param schedules    {@code resident.tasks.schedule} ({@link Settings#schedules})
     * @param natsSettings the {@code ipc.nats} settings, empty without NATS
     * @param nats         the process's one NATS connection (the bus's) once it is made, or null without NATS
     */
    static TaskEngine create(TaskSettings settings, List<Schedule> schedules, TaskTypes types, Registry registry,
                             ResidentMeters meters, CpuPool cpu, Timers timers, Optional<NatsSettings> natsSettings,
                             CompletableFuture<Connection> nats) {
        TaskEngine engine = new TaskEngine(settings, types, new TaskMeters(meters), cpu, timers);
        PageDelivery pages = (pageId, user, tail) -> registry.anyPage(pageId).map(page -> {
            if (user.equals(page.user()) || Ids.isGuestUser(user)) {
                page.push("job", tail); // not to whoever holds the session after the job's user left
            }
            return true;
        }).orElse(false);
        ScheduleMarks marks = ScheduleMarks.inMemory();
        if (nats != null) {
            marks = addNatsLane(engine, natsSettings.orElseThrow(), nats, pages).orElse(marks);
            if (settings.fallbackLocal()) {
                engine.addLocalLane(pages);
            }
        } else {
            engine.addLocalLane(pages);
        }
        if (!schedules.isEmpty()) {
            engine.scheduler(new Scheduler(schedules, engine, marks));
        }
        registry.jobs(engine);
        return engine;
    }

    /** The JetStream lane, when the shared connection is made within one connection attempt's time. */
    private static Optional<ScheduleMarks> addNatsLane(TaskEngine engine, NatsSettings settings,
                                                       CompletableFuture<Connection> nats, PageDelivery pages) {
        Connection connection;
        try {
            connection = nats.get(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOGGER.log(Level.WARNING, "NATS unreachable at start: tasks run "
                    + (engine.settings().fallbackLocal() ? "in this process" : "nowhere, submit answers tasks_unavailable"));
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return Optional.of(TaskNats.addLane(engine, connection, settings.prefix(), pages));
    }
}
