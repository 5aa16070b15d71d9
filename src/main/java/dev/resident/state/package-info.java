/**
 * The state store seam: named buckets of JSON documents with revisions, so that logins, stores and
 * page snapshots outlive the process that made them. {@link dev.resident.state.StateStore} has three
 * backends: {@link dev.resident.state.MemoryStateStore} (nothing survives), {@code mvstore} (an
 * embedded file, the default of a single process) and {@code nats} (JetStream KV, shared by a site).
 * This package knows nothing of pages or connections: the registry decides what goes in.
 */
package dev.resident.state;
