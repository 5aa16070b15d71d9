package dev.resident.metrics;

import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The rpc histograms of every server in the JVM as one Prometheus histogram family,
 * {@code resident_rpc_seconds} (labels {@code method}, {@code process}, {@code scope}), in the
 * scrape Helidon serves at {@code /observe/metrics}: a collector registered once beside
 * Micrometer's meters in Helidon's Prometheus registry. Not in the JSON format of
 * {@code /observe/metrics}, which lists Helidon's meters only.
 */
final class PrometheusRpcHistograms extends Collector implements Collector.Describable {
    static final String NAME = "resident_rpc_seconds";
    private static final String HELP = "rpc duration by method";
    private static final List<String> LABELS = List.of("method", "process", "scope");
    private static final List<String> BUCKET_LABELS = List.of("method", "process", "scope", "le");
    private static final PrometheusRpcHistograms INSTANCE = new PrometheusRpcHistograms();
    private final Map<List<String>, CallHistogram> histograms = new ConcurrentHashMap<>();
    private CollectorRegistry registeredIn;

    private PrometheusRpcHistograms() {
    }

    /** The JVM's collector, registered in {@code registry}'s Prometheus registry if it has one. */
    static PrometheusRpcHistograms in(io.helidon.metrics.api.MeterRegistry registry) {
        INSTANCE.registerIn(registry);
        return INSTANCE;
    }

    /** The histogram of {@code method} on {@code process}, created on first use. */
    CallHistogram histogram(String process, String method) {
        return histograms.computeIfAbsent(List.of(method, process, "application"), labels -> new CallHistogram());
    }

    /** Forgets {@code process}'s histograms (its server closed). */
    void remove(String process) {
        histograms.keySet().removeIf(labels -> labels.get(1).equals(process));
    }

    private synchronized void registerIn(io.helidon.metrics.api.MeterRegistry registry) {
        Optional<CollectorRegistry> prometheus = prometheusOf(registry);
        if (prometheus.isPresent() && prometheus.get() != registeredIn) {
            prometheus.get().register(this);
            registeredIn = prometheus.get();
        }
    }

    private static Optional<CollectorRegistry> prometheusOf(io.helidon.metrics.api.MeterRegistry registry) {
        io.micrometer.core.instrument.MeterRegistry micrometer;
        try {
            micrometer = registry.unwrap(io.micrometer.core.instrument.MeterRegistry.class);
        } catch (RuntimeException e) {
            return Optional.empty(); // metrics disabled: Helidon's no-op registry
        }
        Stream<io.micrometer.core.instrument.MeterRegistry> registries = micrometer instanceof CompositeMeterRegistry composite
                ? composite.getRegistries().stream() : Stream.of(micrometer);
        return registries.filter(PrometheusMeterRegistry.class::isInstance)
                .map(prometheus -> ((PrometheusMeterRegistry) prometheus).getPrometheusRegistry())
                .findFirst();
    }

    @Override
    public List<MetricFamilySamples> describe() {
        return List.of(new MetricFamilySamples(NAME, Type.HISTOGRAM, HELP, List.of()));
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        histograms.forEach((labels, histogram) -> {
            CallHistogram.Snapshot snapshot = histogram.snapshot();
            for (int i = 0; i < snapshot.cumulative().length; i++) {
                String le = i < CallHistogram.BOUNDS_SECONDS.length
                        ? Collector.doubleToGoString(CallHistogram.BOUNDS_SECONDS[i]) : "+Inf";
                List<String> values = new ArrayList<>(labels);
                values.add(le);
                samples.add(new MetricFamilySamples.Sample(NAME + "_bucket", BUCKET_LABELS, values, snapshot.cumulative()[i]));
            }
            samples.add(new MetricFamilySamples.Sample(NAME + "_count", LABELS, labels, snapshot.count()));
            samples.add(new MetricFamilySamples.Sample(NAME + "_sum", LABELS, labels, snapshot.sumSeconds()));
        });
        return List.of(new MetricFamilySamples(NAME, Type.HISTOGRAM, HELP, samples));
    }
}
