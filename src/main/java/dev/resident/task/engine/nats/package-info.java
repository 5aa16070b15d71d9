/**
 * The JetStream lane of the task engine ({@code IPC_BACKEND=nats}): a work-queue stream the site
 * shares (file storage, at least once, redelivery after a worker dies), job states in a KV bucket
 * with a TTL, and job messages to the page's process over NATS core. Everything here works on an
 * {@link io.nats.client.Connection} handed in; {@link dev.resident.task.engine.nats.TaskNats#connect}
 * is the one place that opens one.
 */
package dev.resident.task.engine.nats;
