package dev.resident;

import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.nats.NatsBuses;
import dev.resident.metrics.ResidentMeters;
import io.helidon.config.Config;
import io.nats.client.Connection;

import java.util.concurrent.CompletableFuture;

/**
 * Builds the NATS bus ({@code IPC_BACKEND=nats}) from the {@code ipc.nats} config node. Its
 * connection is the process's one NATS connection: the state store uses it too.
 */
final class NatsBackend {
    private NatsBackend() {
    }

    /**
     * @param nats    the {@code ipc.nats} node
     * @param process {@code resident.process}, possibly empty
     */
    static Bus create(Config nats, String process, ResidentMeters meters, BusListener listener,
                      CompletableFuture<Connection> shared) {
        return NatsBuses.connect(Settings.nats(nats, process), listener, meters, shared::complete);
    }
}
