package dev.resident.task.engine.nats;

import dev.resident.task.engine.ScheduleMarks;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/** Each schedule's last due time in the site's KV bucket {@code <P>_schedule} (no TTL). */
final class NatsScheduleMarks implements ScheduleMarks {
    private final Connection connection;
    private final String bucket;
    private final KeyValueOptions options;

    NatsScheduleMarks(Connection connection, String bucket, KeyValueOptions options) {
        this.connection = connection;
        this.bucket = bucket;
        this.options = options;
    }

    @Override
    public OptionalLong lastDue(String schedule) {
        try {
            KeyValueEntry entry = kv().get(schedule);
            if (entry == null || entry.getOperation() != KeyValueOperation.PUT) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(new String(entry.getValue(), StandardCharsets.UTF_8)));
        } catch (IOException | JetStreamApiException | NumberFormatException e) {
            throw Unavailable.of("schedule", e);
        }
    }

    @Override
    public void recordDue(String schedule, long due) {
        OptionalLong last = lastDue(schedule);
        if (last.isPresent() && last.getAsLong() >= due) {
            return;
        }
        try {
            kv().put(schedule, Long.toString(due).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | JetStreamApiException e) {
            throw Unavailable.of("schedule", e);
        }
    }

    private KeyValue kv() throws IOException {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            throw new IOException("not connected to NATS");
        }
        return connection.keyValue(bucket, options);
    }
}
