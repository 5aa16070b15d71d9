package dev.resident.registry;

import dev.resident.state.Bucket;
import dev.resident.state.StateStore;

import java.time.Duration;

/** The state buckets of the registries, with the registry's expiry ages as their ttls. */
final class Buckets {
    private final Bucket connections;
    private final Bucket connectionStores;
    private final Bucket users;
    private final Bucket global;
    private final Bucket pages;
    private final Bucket processes;
    private final Duration lease;

    Buckets(StateStore store, RegistrySettings settings, StateSettings state) {
        Duration sessions = max(settings.guestTtl(), settings.userTtl());
        this.connections = store.bucket("connections", sessions);
        this.connectionStores = store.bucket("connection-stores", sessions);
        this.users = store.bucket("users", settings.userTtl());
        this.global = store.bucket("global", Duration.ZERO);
        this.pages = store.bucket("pages", settings.pages().idleTtl());
        this.processes = store.shared() ? store.bucket("processes", state.lease()) : null;
        this.lease = state.lease();
    }

    Bucket connections() {
        return connections;
    }

    Bucket connectionStores() {
        return connectionStores;
    }

    Bucket users() {
        return users;
    }

    Bucket global() {
        return global;
    }

    Bucket pages() {
        return pages;
    }

    /** The process leases, or null when no other process shares the store. */
    Bucket processes() {
        return processes;
    }

    /** The ttl of {@link #processes}: how long a process that stopped renewing keeps its pages. */
    Duration lease() {
        return lease;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
