package dev.resident.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A counter bumped once per message or socket write: a {@link LongAdder}, which Helidon's meter
 * (a functional counter, the same Prometheus counter) reads only when scraped. A Micrometer
 * counter cost each increment a walk of the composite registry and a shared adder.
 */
public final class HotCounter {
    private final LongAdder adder = new LongAdder();

    HotCounter() {
    }

    public void increment() {
        adder.increment();
    }

    long count() {
        return adder.sum();
    }
}
