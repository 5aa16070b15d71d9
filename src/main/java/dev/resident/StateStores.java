package dev.resident;

import dev.resident.state.MemoryStateStore;
import dev.resident.state.StateStore;
import dev.resident.state.mvstore.MvStateStore;
import dev.resident.state.nats.KvStateStore;
import io.helidon.config.Config;
import io.nats.client.Connection;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;


/**
 * Chooses the state store named by {@code resident.state.store} ({@code STATE_STORE}): {@code auto}
 * (NATS KV with {@code IPC_BACKEND=nats}, else the embedded file), {@code embedded}, {@code nats}
 * or {@code memory}.
 */
final class StateStores {
    private StateStores() {
    }

    /**
     * @param state the {@code resident.state} node
     * @param nats  the process's NATS connection, or null without the NATS backend
     * @param commitWaits told how long each write that waited for the embedded store's commit waited (ns)
     */
    static StateStore create(Config state, String ipcBackend, Config natsConfig, CompletableFuture<Connection> nats,
                             LongConsumer commitWaits) {
        String kind = state.get("store").asString().get();
        if (kind.equals("auto")) {
            kind = ipcBackend.equals("nats") ? "nats" : "embedded";
        }
        return switch (kind) {
            case "memory" -> new MemoryStateStore();
            case "embedded" -> MvStateStore.open(Path.of(state.get("dir").asString().get()),
                    Settings.duration(state.get("snapshot-interval")), state.get("fsync").asBoolean().get(),
                    state.get("write-rate").asLong().get(), commitWaits);
            case "nats" -> {
                if (nats == null) {
                    throw new IllegalArgumentException("resident.state.store=nats needs ipc.backend=nats");
                }
                Config bounds = state.get("nats-bucket-bytes");
                yield new KvStateStore(nats, natsConfig.get("prefix").asString().get(),
                        Settings.duration(state.get("request-timeout")),
                        bucket -> bounds.get(bucket).asLong().get()); // each bucket has its default in application.yaml
            }
            default -> throw new IllegalArgumentException(
                    "resident.state.store must be auto, embedded, nats or memory, not " + kind);
        };
    }
}
