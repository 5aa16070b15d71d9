package dev.resident;

import dev.resident.state.MemoryStateStore;
import dev.resident.state.StateStore;
import dev.resident.state.mvstore.MvStateStore;
import dev.resident.state.nats.KvStateStore;
import io.nats.client.Connection;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;


/**
 * Opens the state store named by {@code resident.state.store} ({@code STATE_STORE}): {@code auto}
 * (NATS KV with {@code IPC_BACKEND=nats}, else the embedded file), {@code embedded}, {@code nats}
 * or {@code memory}.
 */
final class StateStores {
    private StateStores() {
    }

    /**
     * The state store's keys of {@code resident.state} ({@link Settings#stateStore}).
     *
     * @param kind           {@code embedded}, {@code nats} or {@code memory} ({@code auto} resolved)
     * @param dir            the embedded store's directory
     * @param fsync          whether the embedded store forces its commits to the disk
     * @param writeRate      bytes a second the embedded store's commits may write on average; 0: no bound
     * @param requestTimeout longest wait of one request to the NATS KV store
     * @param bucketBytes    the most bytes each NATS KV bucket holds, by bucket name; 0: no bound
     */
    record StoreSettings(String kind, Path dir, boolean fsync, long writeRate, Duration requestTimeout,
                         Map<String, Long> bucketBytes) {
        StoreSettings {
            bucketBytes = Map.copyOf(bucketBytes);
        }
    }

    /**
     * @param snapshotInterval {@code resident.state.snapshot-interval}: the embedded store's commit delay
     * @param natsPrefix       the site's subject prefix ({@code ipc.nats.prefix}), with the NATS store
     * @param nats             the process's NATS connection, or null without the NATS backend
     * @param commitWaits      told how long each write that waited for the embedded store's commit waited (ns)
     */
    static StateStore create(StoreSettings store, Duration snapshotInterval, String natsPrefix,
                             CompletableFuture<Connection> nats, LongConsumer commitWaits) {
        return switch (store.kind()) {
            case "memory" -> new MemoryStateStore();
            case "embedded" -> MvStateStore.open(store.dir(), snapshotInterval, store.fsync(), store.writeRate(),
                    commitWaits);
            case "nats" -> new KvStateStore(nats, natsPrefix, store.requestTimeout(), bucket -> {
                Long bytes = store.bucketBytes().get(bucket); // each bucket has its default in application.yaml
                if (bytes == null) {
                    throw new ConfigException("resident.state.nats-bucket-bytes." + bucket, "is required");
                }
                return bytes;
            });
            default -> throw new IllegalStateException("no state store " + store.kind());
        };
    }
}
