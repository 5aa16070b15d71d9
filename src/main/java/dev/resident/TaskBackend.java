package dev.resident;

import dev.resident.registry.Registry;
import dev.resident.task.TaskTypes;
import dev.resident.task.engine.PageDelivery;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskMeters;
import dev.resident.task.engine.TaskSettings;
import dev.resident.bus.nats.NatsSettings;
import dev.resident.task.engine.nats.TaskNats;
import io.helidon.config.Config;
import io.nats.client.Connection;

import java.io.IOException;
import java.lang.System.Logger.Level;

/** Builds the task engine from config: the in-process queue, or JetStream with the in-process fallback. */
final class TaskBackend {
    private static final System.Logger LOGGER = System.getLogger(TaskBackend.class.getName());
    private TaskBackend() {
    }

    /**
     * An engine whose job messages reach the registry's pages, registered as the registry's job
     * submitter.
     */
    static TaskEngine create(Config config, String process, TaskTypes types, Registry registry) {
        TaskSettings settings = Settings.tasks(config.get("resident.tasks"));
        TaskEngine engine = new TaskEngine(settings, types, new TaskMeters(process), registry.cpu());
        PageDelivery pages = (pageId, tail) -> registry.anyPage(pageId).map(page -> {
            page.push("job", tail);
            return true;
        }).orElse(false);
        if (config.get("ipc.backend").asString().orElse("local").equals("nats")) {
            addNatsLane(engine, Settings.nats(config.get("ipc.nats"), process), pages);
            if (settings.fallbackLocal()) {
                engine.addLocalLane(pages);
            }
        } else {
            engine.addLocalLane(pages);
        }
        registry.jobs(engine);
        return engine;
    }

    private static void addNatsLane(TaskEngine engine, NatsSettings nats, PageDelivery pages) {
        Connection connection;
        try {
            // the tasks' own connection for now: swap in the server's shared one here
            connection = TaskNats.connect(nats);
        } catch (IOException e) {
            LOGGER.log(Level.WARNING, "NATS unreachable at start (" + e.getMessage() + "): tasks run "
                    + (engine.settings().fallbackLocal() ? "in this process" : "nowhere, submit answers 503"));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        engine.closeAlso(connection::close);
        TaskNats.addLane(engine, connection, nats.prefix(), pages);
    }
}
