/**
 * The JetStream lane of the task engine ({@code IPC_BACKEND=nats}): a work-queue stream the site
 * shares (file storage, at least once, redelivery after a worker dies), job states in a KV bucket
 * with a TTL, and job messages to the page's process over NATS core. Everything here works on the
 * {@link io.nats.client.Connection} handed in, the process's one (the bus's, which {@code Resident}
 * owns and closes); nothing here opens one.
 */
package dev.resident.task.engine.nats;
