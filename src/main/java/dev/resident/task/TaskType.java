package dev.resident.task;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A kind of background job, registered by name.
 *
 * <pre>{@code
 * TaskType.builder("report", ReportTask::run)
 *         .params(ReportTask::check) // optional: 422 at submit time
 *         .build();
 * }</pre>
 */
public final class TaskType {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private final String name;
    private final Task task;
    private final ParamsCheck check;

    private TaskType(Builder builder) {
        this.name = builder.name;
        this.task = builder.task;
        this.check = builder.check;
    }

    public static Builder builder(String name, Task task) {
        return new Builder(name, task);
    }

    public String name() {
        return name;
    }

    public Task task() {
        return task;
    }

    public ParamsCheck check() {
        return check;
    }

    /** Builds a {@link TaskType}. */
    public static final class Builder {
        private final String name;
        private final Task task;
        private ParamsCheck check = params -> { };

        private Builder(String name, Task task) {
            this.name = Objects.requireNonNull(name);
            this.task = Objects.requireNonNull(task);
        }

        /** Checks params at submit time; see {@link ParamsCheck}. */
        public Builder params(ParamsCheck check) {
            this.check = Objects.requireNonNull(check);
            return this;
        }

        public TaskType build() {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("task name must be 1-64 of A-Z a-z 0-9 _ . -: " + name);
            }
            return new TaskType(this);
        }
    }
}
