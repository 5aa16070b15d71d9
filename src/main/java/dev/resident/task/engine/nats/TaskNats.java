package dev.resident.task.engine.nats;

import dev.resident.bus.nats.NatsSettings;
import dev.resident.task.engine.PageDelivery;
import dev.resident.task.engine.ScheduleMarks;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskSettings;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.io.IOException;
import java.lang.System.Logger.Level;

/** Adds the JetStream lane to a task engine. */
public final class TaskNats {
    private static final System.Logger LOGGER = System.getLogger(TaskNats.class.getName());

    private TaskNats() {
    }

    /**
     * Adds the JetStream lane (stream, KV store, page events over NATS core) on {@code connection}.
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
                new NatsJobStore(connection, names.bucket(), setup.kvOptions()),
                new NatsJobEvents(connection, names, pages, engine.meters()));
        return new NatsScheduleMarks(connection, names.scheduleBucket(), setup.kvOptions());
    }

    /**
     * THE ONE PLACE that opens a NATS connection for tasks; to be replaced by the connection the
     * server shares between bus, KV store and tasks. It reconnects forever once connected.
     *
     * @throws IOException when NATS cannot be reached now
     */
    public static Connection connect(NatsSettings settings) throws IOException, InterruptedException {
        Options.Builder options = new Options.Builder()
                .servers(settings.servers().toArray(String[]::new))
                .connectionName("resident-tasks-" + settings.process())
                .connectionTimeout(settings.connectTimeout())
                .maxReconnects(-1)
                .reconnectWait(settings.reconnectWait())
                .reconnectJitter(settings.reconnectJitter())
                .errorListener(new io.nats.client.ErrorListener() { })
                .connectThreadFactory(Thread.ofVirtual().name("resident-tasks-nats-connect").factory())
                .callbackThreadFactory(Thread.ofVirtual().name("resident-tasks-nats-events").factory());
        if (!settings.credentials().isEmpty()) {
            options.authHandler(Nats.credentials(settings.credentials()));
        } else if (!settings.user().isEmpty()) {
            options.userInfo(settings.user().toCharArray(), settings.password().toCharArray());
        } else if (!settings.token().isEmpty()) {
            options.token(settings.token().toCharArray());
        }
        return Nats.connect(options.build());
    }
}
