package dev.resident.task.engine.nats;

import dev.resident.page.PageException;
import dev.resident.json.Json;
import dev.resident.task.engine.JobStatus;
import dev.resident.task.engine.JobStore;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * Job states in the site's KV bucket, one key per job id, so any process can answer for any job
 * and a job's state outlives the worker that ran it. Changes are compare-and-set on the entry's
 * revision. Calls that cannot reach NATS in time answer 503 {@code unavailable}.
 */
final class NatsJobStore implements JobStore {
    /** Rows the admin view reads at most. */
    private static final int MAX_LISTED = 200;
    private static final int MAX_RETRIES = 20;
    /** JetStream's answer when the key's revision is not the expected one (or it exists, for create). */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    private final Connection connection;
    private final String bucket;
    private final KeyValueOptions options;
    private final long windowMillis;
    private final long perQuota;
    private final long submitsPerQuota;
    private volatile KeyValue kv;

    /**
     * @param keepFinished    how long finished jobs are kept: the window results' bytes and submits are counted in
     * @param perQuota        bytes the results of one quota's jobs may hold ({@link #keepResult})
     * @param submitsPerQuota jobs one quota may submit ({@link #takeSubmit})
     */
    NatsJobStore(Connection connection, String bucket, KeyValueOptions options, Duration keepFinished, long perQuota,
                 long submitsPerQuota) {
        this.connection = connection;
        this.bucket = bucket;
        this.options = options;
        this.windowMillis = Math.max(keepFinished.toMillis(), JetStreamSetup.MIN_TTL.toMillis());
        this.perQuota = perQuota;
        this.submitsPerQuota = submitsPerQuota;
    }

    @Override
    public Optional<JobStatus> get(String jobId) {
        try {
            return decode(kv().get(jobId));
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            throw Unavailable.of("job state", e);
        }
    }

    @Override
    public boolean create(JobStatus status) {
        try {
            kv().create(status.jobId(), encode(status));
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                return false;
            }
            throw Unavailable.of("job state", e);
        } catch (IOException | IllegalStateException e) {
            throw Unavailable.of("job state", e);
        }
    }

    @Override
    public Optional<JobStatus> update(String jobId, UnaryOperator<JobStatus> change) {
        try {
            for (int i = 0; i < MAX_RETRIES; i++) {
                KeyValueEntry entry = kv().get(jobId);
                Optional<JobStatus> current = decode(entry);
                if (current.isEmpty()) {
                    return Optional.empty();
                }
                JobStatus next = change.apply(current.get());
                if (next == null || !current.get().accepts(next)) {
                    return Optional.empty();
                }
                try {
                    kv().update(jobId, encode(next), entry.getRevision());
                    return Optional.of(next);
                } catch (JetStreamApiException e) {
                    if (full(e)) {
                        throw new Full("the job store holds resident.tasks.max-store-bytes");
                    }
                    if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) { // someone else changed it: read again
                        throw e;
                    }
                }
            }
            // changed under every try (many cancels at once): the caller may try again later
            throw new PageException(503, "unavailable", "the job is changing; try again");
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            throw Unavailable.of("job state", e);
        }
    }

    /**
     * The bytes are counted under a key of the quota and the window in this bucket, whose ttl
     * (keep-finished) forgets a window's count after the results it counted.
     */
    @Override
    public boolean keepResult(String quota, long bytes) {
        return take(window -> JetStreamNames.resultUsageKey(quota, window), bytes, perQuota) == Count.TAKEN;
    }

    /** Counted as {@link #keepResult}'s bytes are, under keys of their own. */
    @Override
    public boolean takeSubmit(String quota) {
        return switch (take(window -> JetStreamNames.submitCountKey(quota, window), 1, submitsPerQuota)) {
            case TAKEN -> true;
            case PAST_SHARE -> false;
            case FULL -> throw new PageException(503, "unavailable", "the job store is full");
            case BUSY -> throw PageException.rateLimited("too many jobs submitted at once; try again");
        };
    }

    /**
     * Adds {@code amount} to the count of the current window (under {@code keyOf(window)}) unless the
     * counts of that window and the one before would go past {@code share}: compare-and-set, so every
     * process of the site counts into one number.
     */
    private Count take(LongFunction<String> keyOf, long amount, long share) {
        long window = System.currentTimeMillis() / windowMillis;
        String key = keyOf.apply(window);
        try {
            long before = count(kv().get(keyOf.apply(window - 1)));
            for (int i = 0; i < MAX_RETRIES; i++) {
                KeyValueEntry entry = kv().get(key);
                long now = count(entry);
                if (before + now + amount > share) {
                    return Count.PAST_SHARE;
                }
                byte[] counted = Long.toString(now + amount).getBytes(StandardCharsets.UTF_8);
                try {
                    if (now == 0 && (entry == null || entry.getOperation() != KeyValueOperation.PUT)) {
                        kv().create(key, counted);
                    } else {
                        kv().update(key, counted, entry.getRevision());
                    }
                    return Count.TAKEN;
                } catch (JetStreamApiException e) {
                    if (full(e)) {
                        return Count.FULL;
                    }
                    if (e.getApiErrorCode() != WRONG_LAST_SEQUENCE) { // another process counted first: read again
                        throw e;
                    }
                }
            }
            return Count.BUSY; // changed under every try: many counted at once
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            throw Unavailable.of("job state", e);
        }
    }

    /** How a count went: taken, refused (past the share), not counted (the bucket is full, or the count busy). */
    private enum Count { TAKEN, PAST_SHARE, FULL, BUSY }

    /** A window's count, 0 for none. */
    private static long count(KeyValueEntry entry) {
        if (entry == null || entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null) {
            return 0;
        }
        try {
            return Long.parseLong(new String(entry.getValue(), StandardCharsets.UTF_8));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The bucket's {@code max-store-bytes} refused the write (JetStream's store failure, 10077). */
    private static boolean full(JetStreamApiException e) {
        return String.valueOf(e.getMessage()).contains("maximum bytes");
    }

    @Override
    public void remove(String jobId) {
        try {
            kv().delete(jobId);
        } catch (IOException | JetStreamApiException | IllegalStateException e) {
            throw Unavailable.of("job state", e);
        }
    }

    @Override
    public List<JobStatus> recent() {
        List<JobStatus> jobs = new ArrayList<>();
        try {
            List<String> keys = kv().keys();
            for (String key : keys.subList(Math.max(0, keys.size() - MAX_LISTED), keys.size())) {
                decode(kv().get(key)).ifPresent(jobs::add);
            }
        } catch (IOException | JetStreamApiException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // the admin view shows what it could read
        }
        return jobs;
    }

    @Override
    public void close() {
    }

    private KeyValue kv() throws IOException {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            throw new IOException("not connected to NATS");
        }
        KeyValue bound = kv;
        if (bound == null) {
            bound = connection.keyValue(bucket, options);
            kv = bound;
        }
        return bound;
    }

    private static byte[] encode(JobStatus status) {
        return Json.write(status.json()).getBytes(StandardCharsets.UTF_8);
    }

    private static Optional<JobStatus> decode(KeyValueEntry entry) {
        if (entry == null || entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobStatus.of(Json.parse(entry.getValue())));
        } catch (RuntimeException e) {
            return Optional.empty(); // not a job record: as good as absent
        }
    }
}
