package dev.resident.metrics;

import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Meter;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The server's meters, all tagged with the process name so several servers in one JVM (tests)
 * or one scrape (a cluster) stay apart. Served by Helidon observe at {@code /observe/metrics}.
 */
public final class ResidentMeters implements AutoCloseable {
    private final MeterRegistry registry = Metrics.globalRegistry();
    private final Tag process;
    private final List<Meter> created = new CopyOnWriteArrayList<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    /** The rpc histograms by method (Prometheus only: {@link PrometheusRpcHistograms}). */
    private final Map<String, CallHistogram> rpcHistograms = new ConcurrentHashMap<>();
    private final PrometheusRpcHistograms prometheusRpc;

    public final HotCounter messagesPushed;
    public final Counter dbeventsPublished;
    public final Counter dbeventsReceived;
    public final Counter dbeventsDelivered;
    public final Counter notificationsDelivered;
    public final Counter broadcastsDelivered;
    public final Counter resyncs;
    public final Counter slowConsumerCloses;
    public final HotCounter socketWrites;
    public final Counter pagesCreated;
    public final Counter pagesExpired;
    public final Counter pagesOverShare;
    public final Counter connectionsExpired;
    public final Counter busMalformed;
    public final Counter busReconnects;
    public final Counter busSlowConsumers;
    public final Counter busDisconnects;
    public final Counter busDropped;
    public final Counter stateWrites;
    public final Counter snapshotsUnchanged;
    public final Counter stateWriteFailures;
    public final Counter pagesAdopted;
    public final Counter pagesUnusable;
    public final Counter pagesUnsaved;
    public final Counter stateBucketFull;
    public final Counter pagesLost;
    public final Counter leaseLapses;
    public final Timer snapshotLag;
    public final Timer commitWait;
    public final Counter adminMalformed;

    public ResidentMeters(String processName) {
        this.process = Tag.create("process", processName.isEmpty() ? "single" : processName);
        this.prometheusRpc = PrometheusRpcHistograms.in(registry);
        messagesPushed = hotCounter("resident.messages.pushed", "frames queued to open sockets");
        dbeventsPublished = counter("resident.dbevents.published", "dbevent batches published by this process");
        dbeventsReceived = counter("resident.dbevents.received", "dbevent batches delivered to this process, from any process");
        dbeventsDelivered = counter("resident.dbevents.delivered", "dbevent messages appended to pages");
        notificationsDelivered = counter("resident.notifications.delivered", "notify messages appended to pages");
        broadcastsDelivered = counter("resident.broadcasts.delivered", "broadcast messages appended to pages");
        resyncs = counter("resident.resyncs", "replays answered with a resync");
        slowConsumerCloses = counter("resident.sockets.slow.consumer.closes", "sockets closed with 1013");
        socketWrites = hotCounter("resident.sockets.writes", "socket writes of queued frames (several messages may share one)");
        pagesCreated = counter("resident.pages.created", "pages opened");
        pagesExpired = counter("resident.pages.expired", "pages dropped by the expiry sweep");
        pagesOverShare = counter("resident.pages.over.share",
                "pages closed because the pages of their user or address held more than max-held-per-share");
        connectionsExpired = counter("resident.connections.expired", "connections dropped by the expiry sweep");
        busMalformed = counter("resident.bus.malformed", "bus messages dropped as malformed");
        busReconnects = counter("resident.bus.reconnects", "bus reconnections");
        busSlowConsumers = counter("resident.bus.slow.consumers", "bus slow-consumer reports");
        busDisconnects = counter("resident.bus.disconnects", "bus connections lost");
        busDropped = counter("resident.bus.dropped", "bus messages not sent: buffer full, refused by the bus or closed");
        stateWrites = counter("resident.state.writes", "page snapshots and connections written to the state store");
        snapshotsUnchanged = counter("resident.state.snapshots.unchanged",
                "page snapshots not written: the store holds them already as they are (a read-only call)");
        stateWriteFailures = counter("resident.state.write.failures", "state writes that failed (store unreachable); retried");
        pagesAdopted = counter("resident.pages.adopted", "pages continued from their saved copy (restart, move)");
        pagesUnusable = counter("resident.pages.unusable", "saved pages that could not be continued (corrupt, unknown type)");
        pagesUnsaved = counter("resident.pages.unsaved", "page snapshots not written: larger than resident.state.max-page-bytes");
        stateBucketFull = counter("resident.state.bucket.full",
                "pages and connections not written: their NATS bucket held resident.state.nats-bucket-bytes");
        pagesLost = counter("resident.pages.lost", "pages dropped here because another process took them over (found at a write, or at a call after this process outlived its lease)");
        leaseLapses = counter("resident.lease.lapses", "times this process outlived its lease while it lived (a long"
                + " pause, cut off from the store): other processes may have continued its pages");
        snapshotLag = registry.getOrCreate(Timer.builder("resident.state.snapshot.lag")
                .description("from a page call to its snapshot being written")
                .publishPercentileHistogram(true)
                .tags(List.of(process)));
        created.add(snapshotLag);
        commitWait = registry.getOrCreate(Timer.builder("resident.state.commit.wait")
                .description("embedded store: how long a login, logout or Store write waited for a commit that covers it")
                .publishPercentileHistogram(true)
                .tags(List.of(process)));
        created.add(commitWait);
        adminMalformed = counter("resident.admin.malformed", "admin requests and replies between processes ignored as malformed");
    }

    /** A gauge read on every scrape. */
    public void gauge(String name, String description, Supplier<? extends Number> value) {
        created.add(registry.getOrCreate(Gauge.builder(name, () -> value.get().doubleValue())
                .description(description)
                .tags(List.of(process))));
    }

    /** Records the duration of one rpc of a known method, in nanoseconds. */
    public void rpc(String method, long nanos) {
        CallHistogram histogram = rpcHistograms.get(method); // no key to build on the hot path
        if (histogram == null) {
            histogram = rpcHistograms.computeIfAbsent(method, m -> prometheusRpc.histogram(process.value(), m));
        }
        histogram.record(nanos);
    }

    /**
     * A timer with a histogram, tagged with the process and {@code tag=value}: one per value,
     * created on first use (the values must be few and known, such as method or task type names).
     */
    public Timer timer(String name, String description, String tag, String value) {
        return timers.computeIfAbsent(name + '\0' + tag + '\0' + value, key -> {
            Timer timer = registry.getOrCreate(Timer.builder(name)
                    .description(description)
                    .publishPercentileHistogram(true)
                    .tags(List.of(process, Tag.create(tag, value))));
            created.add(timer);
            return timer;
        });
    }

    /** A counter of this process (name with dots: {@code resident.x} is {@code resident_x_total}). */
    public Counter counter(String name, String description) {
        Counter counter = registry.getOrCreate(Counter.builder(name).description(description).tags(List.of(process)));
        created.add(counter);
        return counter;
    }

    /** A counter of this process for a per-message path (see {@link HotCounter}). */
    private HotCounter hotCounter(String name, String description) {
        HotCounter counter = new HotCounter();
        created.add(registry.getOrCreate(FunctionalCounter.builder(name, counter, HotCounter::count)
                .description(description)
                .tags(List.of(process))));
        return counter;
    }

    /** Removes this server's meters, so a later server in the same JVM starts from zero. */
    @Override
    public void close() {
        created.forEach(registry::remove);
        created.clear();
        timers.clear();
        rpcHistograms.clear();
        prometheusRpc.remove(process.value());
    }
}
