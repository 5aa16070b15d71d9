package dev.resident.task;

import dev.resident.page.Params;

/**
 * The body of a task type. It returns the job's result (any Jackson-serializable value, or null),
 * or throws: a {@link dev.resident.page.PageException} ends the job {@code failed} with its code and
 * message, anything else with {@code internal} and an error id (the stack trace goes to the log only).
 */
@FunctionalInterface
public interface Task {
    Object run(Params params, TaskContext context) throws Exception;
}
