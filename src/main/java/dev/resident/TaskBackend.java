package dev.resident;

import dev.resident.registry.Registry;
import dev.resident.task.TaskTypes;
import dev.resident.task.engine.PageDelivery;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskMeters;
import dev.resident.task.engine.TaskSettings;
import io.helidon.config.Config;

/** Builds the task engine from config: the in-process queue, or JetStream with the in-process fallback. */
final class TaskBackend {
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
        engine.addLocalLane(pages);
        registry.jobs(engine);
        return engine;
    }
}
