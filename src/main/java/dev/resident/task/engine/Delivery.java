package dev.resident.task.engine;

/**
 * One hand-over of a queued job to a worker.
 *
 * @param attempt 1 for the first run, more after redeliveries
 * @param alive   tells the queue the job is still being worked on (so it is not redelivered)
 */
public record Delivery(JobSpec spec, int attempt, Runnable alive) {
}
