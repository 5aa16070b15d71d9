package dev.resident.bus.nats;

import io.nats.client.ReconnectDelayHandler;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The pause after each round of reconnect attempts over the server list: {@code first}, doubling
 * each round up to {@code maxWait}, plus a random share of {@code jitter}. The client restarts the
 * count at every outage.
 */
record Backoff(Duration first, Duration maxWait, Duration jitter) implements ReconnectDelayHandler {

    @Override
    public Duration getWaitTime(long rounds) {
        long max = maxWait.toNanos();
        long pause = first.toNanos();
        for (long round = 1; round < rounds && pause < max; round++) {
            pause *= 2;
        }
        long extra = jitter.isZero() ? 0 : ThreadLocalRandom.current().nextLong(jitter.toNanos());
        return Duration.ofNanos(Math.min(pause, max) + extra);
    }
}
