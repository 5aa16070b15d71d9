/**
 * The state store of a site ({@code IPC_BACKEND=nats}): one NATS JetStream KV bucket per state
 * bucket, {@code <prefix>_<name>}, with the bucket's ttl as its max age, over the connection that
 * the process shares with its bus.
 */
package dev.resident.state.nats;
