package dev.resident.task.engine.nats;

import dev.resident.task.engine.TaskSettings;
import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;

import java.io.IOException;
import java.time.Duration;

/**
 * Creates (or updates) the stream, its consumers (one a turn) and the KV buckets; idempotent, so
 * every process runs it at start and again when it finds them missing. The stream of earlier
 * versions is never created: only read while it exists ({@link #earlierQueue}).
 */
final class JetStreamSetup {
    /** Submits with the same message id within this window are one job (and one scheduled run). */
    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);
    /** The job bucket's shortest ttl: JetStream keeps no entry for less. */
    static final Duration MIN_TTL = Duration.ofMinutes(1);
    private final Connection connection;
    private final JetStreamNames names;
    private final TaskSettings settings;

    JetStreamSetup(Connection connection, JetStreamNames names, TaskSettings settings) {
        this.connection = connection;
        this.names = names;
        this.settings = settings;
    }

    int maxJobsPerUser() {
        return settings.maxJobsPerUser();
    }

    JetStreamOptions options() {
        return JetStreamOptions.builder().requestTimeout(settings.natsTimeout()).build();
    }

    KeyValueOptions kvOptions() {
        return KeyValueOptions.builder().jetStreamOptions(options()).build();
    }

    void ensure() throws IOException, JetStreamApiException {
        JetStreamManagement jsm = connection.jetStreamManagement(options());
        StreamConfiguration stream = StreamConfiguration.builder()
                .name(names.stream())
                .subjects(names.allQueues())
                .retentionPolicy(RetentionPolicy.WorkQueue)
                .storageType(StorageType.File)
                .maxMessages(settings.queue())
                .discardPolicy(DiscardPolicy.New)
                // a user's jobs queued or running (acknowledged when they end) at most: past it a
                // publish is refused, not an older job dropped
                .maxMessagesPerSubject(settings.maxJobsPerUser())
                .discardNewPerSubject(true)
                .duplicateWindow(DUPLICATE_WINDOW)
                .build();
        try {
            jsm.addStream(stream);
        } catch (JetStreamApiException e) {
            jsm.updateStream(stream); // it exists, perhaps with older settings
        }
        for (int turn = 0; turn < JetStreamNames.TURNS; turn++) {
            jsm.addOrUpdateConsumer(names.stream(), ConsumerConfiguration.builder()
                    .durable(JetStreamNames.turnConsumer(turn))
                    .filterSubject(names.turnQueues(turn))
                    .ackPolicy(AckPolicy.Explicit)
                    .ackWait(settings.ackWait())
                    // one more than allowed: that delivery ends the job failed instead of running it
                    .maxDeliver(settings.maxDeliveries() + 1L)
                    .build());
        }
        KeyValueManagement kvm = connection.keyValueManagement(kvOptions());
        KeyValueConfiguration bucket = KeyValueConfiguration.builder()
                .name(names.bucket())
                .maxHistoryPerKey(1)
                .maxBucketSize(settings.maxStoreBytes())
                .storageType(StorageType.File)
                .ttl(settings.keepFinished().compareTo(MIN_TTL) < 0 ? MIN_TTL : settings.keepFinished())
                .build();
        try {
            kvm.create(bucket);
        } catch (JetStreamApiException e) {
            kvm.update(bucket);
        }
        KeyValueConfiguration marks = KeyValueConfiguration.builder()
                .name(names.scheduleBucket())
                .maxHistoryPerKey(1)
                .storageType(StorageType.File)
                .build();
        try {
            kvm.create(marks);
        } catch (JetStreamApiException e) {
            kvm.update(marks);
        }
    }

    /**
     * The consumer of the stream earlier versions queued on, or null when that stream does not
     * exist (a site that never ran them, or whose operator removed it once it was empty).
     */
    ConsumerContext earlierQueue() throws IOException {
        try {
            return connection.getConsumerContext(names.earlierStream(), JetStreamNames.EARLIER_CONSUMER, options());
        } catch (JetStreamApiException e) {
            return null; // no such stream or consumer
        }
    }
}
