package dev.resident.task.engine.nats;

import dev.resident.task.engine.PageDelivery;
import dev.resident.task.engine.ScheduleMarks;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskSettings;
import io.nats.client.Connection;

import java.lang.System.Logger.Level;

/** Adds the JetStream lane to a task engine, on the process's one NATS connection (it opens none). */
public final class TaskNats {
    private static final System.Logger LOGGER = System.getLogger(TaskNats.class.getName());

    private TaskNats() {
    }

    /**
     * Adds the JetStream lane (stream, KV store, page events over NATS core) on {@code connection},
     * the process's shared one: its owner closes it, after the engine. It must echo (the cancel
     * requests of this process reach its own workers).
     * The stream, consumer and bucket are created when missing; when NATS cannot be reached now,
     * the workers set them up once it can.
     *
     * @return where the site records its schedules' last runs
     */
    public static ScheduleMarks addLane(TaskEngine engine, Connection connection, String prefix, PageDelivery pages) {
        TaskSettings settings = engine.settings();
        JetStreamNames names = new JetStreamNames(prefix);
        JetStreamSetup setup = new JetStreamSetup(connection, names, settings);
        try {
            setup.ensure();
        } catch (Exception e) {
            LOGGER.log(Level.WARNING, "task stream not set up yet (" + e.getMessage() + "); the workers retry");
        }
        engine.addLane("nats",
                new NatsJobQueue(connection, names, setup, settings.workers(), engine.meters()),
                new NatsJobStore(connection, names.bucket(), setup.kvOptions(), settings.keepFinished(),
                        settings.maxResultBytesPerUser(), settings.maxJobsPerUserPerWindow()),
                new NatsJobEvents(connection, names, pages, engine.meters()));
        return new NatsScheduleMarks(connection, names.scheduleBucket(), setup.kvOptions());
    }
}
