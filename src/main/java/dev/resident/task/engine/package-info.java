/**
 * The task engine behind {@link dev.resident.page.Page#submit}: checks and queues jobs
 * ({@link dev.resident.task.engine.TaskEngine}), runs them on bounded workers
 * ({@link dev.resident.task.engine.JobRunner}), keeps their state ({@link dev.resident.task.engine.JobStore})
 * and reports it to the job's page as {@code job} messages ({@link dev.resident.task.engine.JobEvents}),
 * progress coalesced by {@link dev.resident.task.engine.ProgressGate}. The queue is in-process
 * ({@link dev.resident.task.engine.LocalJobQueue}) or a NATS JetStream work queue
 * ({@code dev.resident.task.engine.nats}).
 */
package dev.resident.task.engine;
