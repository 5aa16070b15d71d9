package dev.resident.registry;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.ThrottledLog;
import dev.resident.state.BucketFull;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * Writes of pages and connections that a full bucket refused ({@link BucketFull}): not retried,
 * counted, and logged at most once a minute. What was not written lives on in this process (a
 * page's next change tries again), and the store stays reachable: logins, jobs and every entry
 * stored already go on.
 */
final class RefusedWrites {
    private static final System.Logger LOGGER = System.getLogger(RefusedWrites.class.getName());
    private final ResidentMeters meters;
    private final ThrottledLog log = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofMinutes(1));

    RefusedWrites(ResidentMeters meters) {
        this.meters = meters;
    }

    /** The bucket's refusal behind {@code error}, or null when it is another failure. */
    static BucketFull fullBucket(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof BucketFull full ? full : null;
    }

    /** Counts and logs a refused write of {@code what} (a page or a connection key). */
    void refused(String what, BucketFull full) {
        meters.stateBucketFull.increment();
        log.log(what + " not saved, it lives on in this process only: " + full.getMessage());
    }
}
