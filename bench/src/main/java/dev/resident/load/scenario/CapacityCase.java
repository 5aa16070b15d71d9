package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;
import dev.resident.load.fleet.FleetPage;
import dev.resident.load.fleet.Fleets;
import dev.resident.load.setup.Control;
import dev.resident.load.setup.PageOpener;
import dev.resident.load.target.Usage;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * {@code capacity}: ramps idle page sockets (heartbeats running, answered with pongs) up to
 * {@code sockets}, holds them, and reports how many held and what they cost the server: RSS and
 * heap after GC, measured against the same server with the pages open but no socket.
 */
public final class CapacityCase implements Case {
    private static final int PER_FLEET = 5_000;
    private static final int PER_CONNECTION = 50;
    private final int sockets;
    private final double holdSeconds;
    private final double opensPerSecond;
    private final String heartbeat;

    /** @param heartbeat Resident's heartbeat interval during the run (peers keep their 30 s) */
    public CapacityCase(int sockets, double holdSeconds, double opensPerSecond, String heartbeat) {
        this.sockets = sockets;
        this.holdSeconds = holdSeconds;
        this.opensPerSecond = opensPerSecond;
        this.heartbeat = heartbeat;
    }

    @Override
    public String scenario() {
        return "capacity";
    }

    @Override
    public String name() {
        return "s" + sockets;
    }

    @Override
    public Map<String, String> residentEnv() {
        return Map.of("HEARTBEAT", heartbeat);
    }

    @Override
    public ObjectNode params() {
        return Json.object().put("sockets", sockets).put("hold_s", holdSeconds)
                .put("opens_per_s", opensPerSecond).put("resident_heartbeat", heartbeat);
    }

    @Override
    public List<String> problems(ObjectNode metrics) {
        return Case.join(Case.below(metrics, "held", sockets), Case.above(metrics, "failed", 0));
    }

    @Override
    public ObjectNode run(Run run) throws Exception {
        URI server = run.server().base();
        List<FleetPage> pages = new ArrayList<>();
        try (Control control = new Control(server)) {
            new PageOpener(control, PER_CONNECTION, 16).open(sockets, i -> "{}")
                    .forEach(o -> pages.add(new FleetPage(server, o.page().cookie(), o.page().pageId())));
        }
        Usage usage = run.server().usage();
        OptionalLong heapBefore = usage.heapAfterGcBytes();
        long rssBefore = usage.rssBytes();
        long rampStart = System.nanoTime();
        try (Fleets fleets = Fleets.start(FanoutRig.launcher(run), pages, PER_FLEET, opensPerSecond)) {
            fleets.awaitRamped(600);
            double rampSeconds = (System.nanoTime() - rampStart) / 1e9;
            Fleets.Report ramped = fleets.report();
            Thread.sleep((long) (holdSeconds * 1000));
            OptionalLong heapHeld = usage.heapAfterGcBytes();
            long rssHeld = usage.rssBytes();
            Fleets.Report held = fleets.report();
            ObjectNode metrics = Json.object()
                    .put("opened", ramped.opened)
                    .put("failed", ramped.failed)
                    .put("held", held.openNow)
                    .put("ramp_s", Math.round(rampSeconds * 10) / 10.0)
                    .put("pings_per_socket", held.openNow == 0 ? 0 : Math.round(held.pings * 100.0 / held.openNow) / 100.0)
                    .put("rss_mb_before", rssBefore >> 20)
                    .put("rss_mb", rssHeld >> 20)
                    .put("rss_bytes_per_socket", held.openNow == 0 ? 0 : (rssHeld - rssBefore) / held.openNow);
            if (heapHeld.isPresent() && heapBefore.isPresent()) {
                metrics.put("heap_mb_before", heapBefore.getAsLong() >> 20)
                        .put("heap_mb", heapHeld.getAsLong() >> 20)
                        .put("heap_bytes_per_socket", held.openNow == 0 ? 0
                                : (heapHeld.getAsLong() - heapBefore.getAsLong()) / held.openNow);
            }
            return metrics;
        }
    }
}
