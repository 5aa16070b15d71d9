package dev.resident.task;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The task types an application registers, by name. Every process of a site registers the same ones. */
public final class TaskTypes {
    private final Map<String, TaskType> byName = new ConcurrentHashMap<>();

    public TaskTypes register(TaskType type) {
        if (byName.putIfAbsent(type.name(), type) != null) {
            throw new IllegalArgumentException("task type registered twice: " + type.name());
        }
        return this;
    }

    public Optional<TaskType> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(byName.get(name));
    }
}
