package dev.resident;

import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;

/** Builds the NATS bus ({@code IPC_BACKEND=nats}). */
final class NatsBackend {
    private NatsBackend() {
    }

    static Bus create(BusListener listener) {
        throw new IllegalStateException("ipc.backend=nats is not available yet");
    }
}
