package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;
import dev.resident.load.fleet.FleetLauncher;
import dev.resident.load.fleet.FleetPage;
import dev.resident.load.fleet.Fleets;
import dev.resident.load.setup.Control;
import dev.resident.load.setup.PageOpener;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The fanout set-up: {@code pages} pages subscribed to one table, spread over the server's
 * processes ({@link dev.resident.load.target.Running#bases()}), each with its socket open in a
 * fleet, and a publisher on the first process.
 */
final class FanoutRig implements AutoCloseable {
    static final String TABLE = "bench_fanout";
    private static final int PER_FLEET = 9_000;
    private static final int PER_CONNECTION = 50;
    private static final long DRAIN_QUIET_MILLIS = 10_000;
    private final Control control;
    private final Fleets fleets;
    private final Publisher publisher;
    private final Fleets.Report ramped;

    private FanoutRig(Control control, Fleets fleets, Publisher publisher, Fleets.Report ramped) {
        this.control = control;
        this.fleets = fleets;
        this.publisher = publisher;
        this.ramped = ramped;
    }

    /** Opens the pages and their sockets; {@code viaPage} publishes through a page method. */
    static FanoutRig open(Run run, int pages, boolean viaPage) throws Exception {
        List<URI> servers = run.server().bases();
        List<FleetPage> fleetPages = new ArrayList<>();
        for (int s = 0; s < servers.size(); s++) {
            int share = pages / servers.size() + (s < pages % servers.size() ? 1 : 0);
            try (Control opener = new Control(servers.get(s))) {
                URI server = servers.get(s);
                new PageOpener(opener, PER_CONNECTION, 16).open(share, i -> "{\"tables\":[\"" + TABLE + "\"]}")
                        .forEach(o -> fleetPages.add(new FleetPage(server, o.page().cookie(), o.page().pageId())));
            }
        }
        Control control = new Control(run.server().base());
        Fleets fleets = null;
        try {
            Publisher publisher = new Publisher(control, run.server().adminToken(),
                    viaPage ? control.openPage(null, "{}").page() : null, TABLE);
            fleets = Fleets.start(launcher(run), fleetPages, PER_FLEET, 2_000);
            fleets.awaitRamped(300);
            return new FanoutRig(control, fleets, publisher, fleets.report());
        } catch (Exception e) {
            if (fleets != null) {
                fleets.close();
            }
            control.close();
            throw e;
        }
    }

    static FleetLauncher launcher(Run run) {
        return new FleetLauncher(run.options().javaHome(), run.options().benchJar(), run.options().workDir(), 1);
    }

    /**
     * Publishes a few seconds at a low rate and throws the numbers away: a fresh JVM compiles its
     * fanout path on the first events, which would otherwise land in the first measured stretch.
     */
    void warmUp() throws Exception {
        step(10, 3);
    }

    /** Sockets that said hello. */
    long sockets() {
        return ramped.openNow;
    }

    /**
     * Publishes at {@code rate} for {@code seconds}, waits until every delivery arrived (or none
     * came for a while) and returns the numbers of that stretch.
     */
    ObjectNode step(double rate, double seconds) throws Exception {
        fleets.reset();
        Publisher.Outcome published = publisher.publish(rate, seconds);
        long expected = published.published() * sockets();
        long drainStart = System.nanoTime();
        Fleets.Report report = drain(expected);
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        ObjectNode metrics = Json.object()
                .put("rate", rate)
                .put("seconds", seconds)
                .put("sockets", sockets())
                .put("events_published", published.published())
                .put("publish_errors", published.failed())
                .put("published_per_s", Math.round(published.rate() * 10) / 10.0)
                .put("publish_p99_ms", published.calls().getValueAtPercentile(99) / 1000.0)
                .put("expected", expected)
                .put("delivered", report.delivered)
                .put("lost", expected - report.delivered)
                .put("seq_gaps", report.gaps)
                .put("sockets_closed", ramped.openNow - report.openNow)
                .put("deliveries_per_s", Math.round(report.delivered / published.seconds()))
                .put("drain_s", Math.round(drainSeconds * 100) / 100.0);
        Json.latency(metrics, report.latency);
        if (published.firstError() != null) {
            metrics.put("first_publish_error", published.firstError());
        }
        return metrics;
    }

    /** Waits until {@code expected} deliveries arrived, or none arrived for {@value #DRAIN_QUIET_MILLIS} ms. */
    private Fleets.Report drain(long expected) throws Exception {
        Fleets.Report report = fleets.report();
        long lastProgress = System.currentTimeMillis();
        long seen = report.delivered;
        while (report.delivered < expected && System.currentTimeMillis() - lastProgress < DRAIN_QUIET_MILLIS) {
            Thread.sleep(200);
            report = fleets.report();
            if (report.delivered > seen) {
                seen = report.delivered;
                lastProgress = System.currentTimeMillis();
            }
        }
        return report;
    }

    @Override
    public void close() {
        fleets.close();
        control.close();
    }

    List<Long> fleetPids() {
        return fleets.pids();
    }

    /** Sockets asked for but not opened. */
    long failed() {
        return ramped.failed;
    }

    /** @throws IOException when not a single socket opened */
    void requireSockets() throws IOException {
        if (sockets() == 0) {
            throw new IOException("no page socket opened");
        }
    }
}
