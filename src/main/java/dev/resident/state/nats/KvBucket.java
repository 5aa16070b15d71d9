package dev.resident.state.nats;

import dev.resident.state.Bucket;
import dev.resident.state.StateUnavailable;
import dev.resident.state.Versioned;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * One JetStream KV bucket, created on first use with file storage, one value per key and the
 * bucket's ttl as max age. A conditional write is the KV's own {@code create}/{@code update} on the
 * key's revision.
 */
final class KvBucket implements Bucket {
    /** JetStream's "wrong last sequence" error: another writer came first. */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    private final KvStateStore store;
    private final String name;
    private final Duration ttl;
    private final Duration timeout;
    private volatile KeyValue kv;
    private volatile Connection boundTo;

    KvBucket(KvStateStore store, String name, Duration ttl, Duration timeout) {
        this.store = store;
        this.name = name;
        this.ttl = ttl;
        this.timeout = timeout;
    }

    @Override
    public Optional<Versioned> get(String key) {
        return call(kv -> {
            KeyValueEntry entry = kv.get(key);
            return entry == null || entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null
                    ? Optional.<Versioned>empty()
                    : Optional.of(new Versioned(entry.getValue(), entry.getRevision()));
        });
    }

    @Override
    public long put(String key, byte[] value) {
        return call(kv -> kv.put(key, value));
    }

    @Override
    public long update(String key, byte[] value, long expected) {
        return call(kv -> {
            try {
                return expected == 0 ? kv.create(key, value) : kv.update(key, value, expected);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                    return -1L;
                }
                throw e;
            }
        });
    }

    @Override
    public void delete(String key) {
        call(kv -> {
            kv.delete(key);
            return null;
        });
    }

    private <T> T call(KvCall<T> action) {
        try {
            T result = action.apply(kv());
            store.answered();
            return result;
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            throw store.failed(new StateUnavailable("NATS KV " + name + ": " + e.getMessage(), e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailable("interrupted", e);
        }
    }

    /** The bucket on the current connection, created when it does not exist yet. */
    private KeyValue kv() throws IOException, JetStreamApiException {
        Connection connection = store.connection();
        KeyValue current = kv;
        if (current != null && boundTo == connection) {
            return current;
        }
        synchronized (this) {
            if (kv == null || boundTo != connection) {
                JetStreamOptions js = JetStreamOptions.builder().requestTimeout(timeout).build();
                KeyValueManagement management = connection.keyValueManagement(
                        KeyValueOptions.builder().jetStreamOptions(js).build());
                KeyValueConfiguration.Builder builder = KeyValueConfiguration.builder()
                        .name(name)
                        .storageType(StorageType.File)
                        .maxHistoryPerKey(1);
                if (!ttl.isZero()) {
                    builder.ttl(ttl);
                }
                KeyValueConfiguration config = builder.build();
                try {
                    management.create(config);
                } catch (JetStreamApiException exists) {
                    management.update(config);
                }
                kv = connection.keyValue(name, KeyValueOptions.builder().jetStreamOptions(js).build());
                boundTo = connection;
            }
            return kv;
        }
    }

    @FunctionalInterface
    private interface KvCall<T> {
        T apply(KeyValue kv) throws IOException, JetStreamApiException, InterruptedException;
    }
}
