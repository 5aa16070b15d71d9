package dev.resident.state.nats;

import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueStatus;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes a state bucket, or brings one made before to its settings (a file bucket keeping one
 * value a key, its ttl as max age, its bound as max bytes). A bucket that has them already is left
 * as it is: NATS counts a bucket made again as a second reservation of its bound, so a site's
 * second process found no room where the first had found it. JetStream reserves a bound; a NATS
 * with no room for it gets a new bucket unbounded, and keeps an existing one as it is, with a
 * warning either way.
 */
final class KvProvisioning {
    /** JetStream's "insufficient storage resources" error: the bound cannot be reserved. */
    static final int INSUFFICIENT_RESOURCES = 10047;
    private static final int STREAM_NOT_FOUND = 10059;
    private static final System.Logger LOGGER = System.getLogger(KvProvisioning.class.getName());

    private KvProvisioning() {
    }

    /**
     * @param maxBytes the bound, 0 for none
     * @param ttl      how long an entry lives, zero for ever
     */
    static void provide(KeyValueManagement management, String name, Duration ttl, long maxBytes)
            throws IOException, JetStreamApiException {
        KeyValueConfiguration wanted = configuration(name, ttl, maxBytes);
        Optional<KeyValueStatus> existing = status(management, name);
        if (existing.isEmpty()) {
            try {
                management.create(wanted);
                return;
            } catch (JetStreamApiException e) {
                // another process may have made it meanwhile: NATS then answers "no room" as for a second reservation
                existing = status(management, name);
                if (existing.isEmpty()) {
                    if (e.getApiErrorCode() != INSUFFICIENT_RESOURCES || maxBytes <= 0) {
                        throw e;
                    }
                    existing = createUnbounded(management, name, ttl, maxBytes);
                    if (existing.isEmpty()) {
                        return;
                    }
                }
            }
        }
        if (!hasSettings(existing.get(), wanted)) {
            try {
                management.update(wanted);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != INSUFFICIENT_RESOURCES) {
                    throw e;
                }
                long bound = existing.get().getMaxBucketSize();
                warnNoRoom(name, maxBytes, "it keeps " + (bound > 0 ? "its bound of " + bound + " bytes" : "no bound"));
            }
        }
    }

    /** The bucket made without a bound, NATS having no room for it; or the one another process made meanwhile. */
    private static Optional<KeyValueStatus> createUnbounded(KeyValueManagement management, String name, Duration ttl,
                                                            long maxBytes) throws IOException, JetStreamApiException {
        try {
            management.create(configuration(name, ttl, 0));
            warnNoRoom(name, maxBytes, "it is made without a bound, so that it can fill JetStream's storage for"
                    + " every other bucket");
            return Optional.empty();
        } catch (JetStreamApiException e) {
            Optional<KeyValueStatus> made = status(management, name);
            if (made.isEmpty()) {
                throw e;
            }
            return made;
        }
    }

    private static Optional<KeyValueStatus> status(KeyValueManagement management, String name)
            throws IOException, JetStreamApiException {
        try {
            return Optional.of(management.getStatus(name));
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Whether the bucket has the settings this process gives it. */
    private static boolean hasSettings(KeyValueStatus bucket, KeyValueConfiguration wanted) {
        return bucket.getMaxBucketSize() == wanted.getMaxBucketSize()
                && bucket.getMaxHistoryPerKey() == wanted.getMaxHistoryPerKey()
                && bucket.getStorageType() == wanted.getStorageType()
                && Objects.equals(orZero(bucket.getTtl()), orZero(wanted.getTtl()));
    }

    private static Duration orZero(Duration ttl) {
        return ttl == null ? Duration.ZERO : ttl;
    }

    private static KeyValueConfiguration configuration(String name, Duration ttl, long bound) {
        KeyValueConfiguration.Builder builder = KeyValueConfiguration.builder()
                .name(name)
                .storageType(StorageType.File)
                .maxHistoryPerKey(1)
                .maxBucketSize(bound > 0 ? bound : -1);
        if (!ttl.isZero()) {
            builder.ttl(ttl);
        }
        return builder.build();
    }

    private static void warnNoRoom(String name, long maxBytes, String outcome) {
        LOGGER.log(Level.WARNING, "NATS has no room to reserve " + maxBytes + " bytes for bucket " + name + ": "
                + outcome + "; give NATS more (jetstream max_file_store) or lower resident.state.nats-bucket-bytes");
    }
}
