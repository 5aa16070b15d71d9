package dev.resident.bus;

import io.helidon.config.Config;

import java.util.function.Function;

/** Chooses the bus backend named by {@code ipc.backend} ({@code IPC_BACKEND}): {@code local} or {@code nats}. */
public final class Buses {
    private Buses() {
    }

    /**
     * Creates the configured bus.
     *
     * @param ipc      the {@code ipc} config node
     * @param listener where this process's deliveries go
     * @param nats     creates the NATS backend (kept out of this package so it stays optional)
     */
    public static Bus create(Config ipc, BusListener listener, Function<BusListener, Bus> nats) {
        String backend = ipc.get("backend").asString().orElse("local");
        return switch (backend) {
            case "local" -> new LocalBus(listener);
            case "nats" -> nats.apply(listener);
            default -> throw new IllegalArgumentException("ipc.backend must be local or nats, not " + backend);
        };
    }
}
