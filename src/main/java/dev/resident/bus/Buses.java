package dev.resident.bus;

/**
 * The bus backends: {@link #local} for one process ({@code ipc.backend: local}); the NATS one
 * ({@code nats}) is built in {@code bus.nats}, kept out of this package so that it stays optional.
 */
public final class Buses {
    private Buses() {
    }

    /** The bus of a single process: what it publishes is delivered to its own pages only. */
    public static Bus local(BusListener listener) {
        return new LocalBus(listener);
    }
}
