package dev.resident;

import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.nats.NatsBuses;
import dev.resident.bus.nats.NatsSettings;
import dev.resident.metrics.ResidentMeters;

/** Builds the NATS bus ({@code IPC_BACKEND=nats}) from the {@code ipc.nats} settings. */
final class NatsBackend {
    private static final System.Logger LOGGER = System.getLogger(NatsBackend.class.getName());
    private NatsBackend() {
    }

    /** @param settings the {@code ipc.nats} node ({@link Settings#nats}) */
    static Bus create(NatsSettings settings, ResidentMeters meters, BusListener listener) {
        if (!settings.logsIn()) {
            LOGGER.log(System.Logger.Level.WARNING, "NATS is used without a login (NATS_USER and NATS_PASSWORD or"
                    + " NATS_PASSWORD_FILE, NATS_CREDENTIALS or NATS_TOKEN): whoever reaches it reads and writes the"
                    + " site's sessions; nats/start's server asks for one");
        }
        return NatsBuses.connect(settings, listener, meters);
    }
}
