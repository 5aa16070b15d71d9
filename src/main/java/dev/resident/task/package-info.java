/**
 * Background tasks for page authors: task types registered by name ({@link dev.resident.task.TaskType}),
 * the {@link dev.resident.task.TaskContext} a running task sees, and {@link dev.resident.task.TaskTypes}.
 * A page starts one with {@link dev.resident.page.Page#submit}; how jobs are queued, run and reported
 * lives in {@code dev.resident.task.engine}.
 */
package dev.resident.task;
