package dev.resident.ops;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The last step of a drain. A proxy that keeps a browser on its process while the process accepts
 * connections (HAProxy's {@code option persist}) still sends requests after the pages are released.
 * A process that stopped then would close connections with requests on them unanswered, and the
 * proxy would answer those 502. So the process keeps answering (its pages with 503
 * {@code unavailable}, which the client tries again, then on another process) until no request has
 * come for {@link #QUIET}, the sign that the proxy sends them elsewhere (a deploy takes the process
 * out of HAProxy once ready shows {@code released}: {@code deploy/site}), or until the linger runs out.
 */
public final class Linger {
    /** No request for this long: the proxy has stopped sending any. */
    public static final Duration QUIET = Duration.ofMillis(250);
    private static final long LOOK_EVERY_MILLIS = 25;

    private Linger() {
    }

    /**
     * Waits until {@code requests} (a count of requests served since the start) has not moved for
     * {@code quiet}, or {@code limit} has passed.
     *
     * @return true when the requests stopped, false when the limit ran out first
     */
    public static boolean awaitQuiet(LongSupplier requests, Duration quiet, Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        long seen = requests.getAsLong();
        long quietSince = start;
        while (System.nanoTime() - quietSince < quiet.toNanos()) {
            if (System.nanoTime() - start >= limit.toNanos()) {
                return false;
            }
            Thread.sleep(LOOK_EVERY_MILLIS);
            long now = requests.getAsLong();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
        return true;
    }
}
