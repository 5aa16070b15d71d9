package dev.resident;

import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.nats.NatsBuses;
import dev.resident.metrics.ResidentMeters;
import io.helidon.config.Config;

/** Builds the NATS bus ({@code IPC_BACKEND=nats}) from the {@code ipc.nats} config node. */
final class NatsBackend {
    private NatsBackend() {
    }

    /**
     * @param nats    the {@code ipc.nats} node
     * @param process {@code resident.process}, possibly empty
     */
    static Bus create(Config nats, String process, ResidentMeters meters, BusListener listener) {
        return NatsBuses.connect(Settings.nats(nats, process), listener, meters);
    }
}
