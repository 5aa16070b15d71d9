package dev.resident.metrics;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code requests_count_total{scope="vendor"}}: every HTTP request this JVM served, those the
 * guards refuse included. Helidon's metrics filter kept this counter from behind Resident's
 * filters, so it missed their refusals (see {@link MetricsEndpoint}); now the first filter bumps
 * one {@link LongAdder}. Like Helidon's, it belongs to the JVM: registered once, never removed.
 */
public final class HttpRequests {
    private static final String NAME = "requests.count";
    private static final LongAdder COUNT = new LongAdder();

    private HttpRequests() {
    }

    public static void counted() {
        COUNT.increment();
    }

    /** The requests served since the start. */
    public static long count() {
        return COUNT.sum();
    }

    /**
     * Puts this counter in the place of the one Helidon's metrics feature made for its filter
     * (which no longer runs); a second call finds it there.
     */
    static void replaceHelidons(MeterRegistry registry) {
        registry.meter(Meter.class, NAME, List.of())
                .filter(meter -> !(meter instanceof FunctionalCounter))
                .ifPresent(registry::remove);
        registry.getOrCreate(FunctionalCounter.builder(NAME, COUNT, LongAdder::sum)
                .scope(Meter.Scope.VENDOR)
                .description("Each request (regardless of HTTP method) will increase this counter"));
    }
}
