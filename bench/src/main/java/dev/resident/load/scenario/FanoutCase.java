package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;
import dev.resident.load.target.Usage;

import java.util.List;

/**
 * {@code fanout}: {@code pages} sockets on pages subscribed to one table, {@code rate} dbevents
 * per second for {@code seconds}: delivery latency from {@code record.ts}, deliveries expected vs
 * received, publisher rate achieved.
 */
public final class FanoutCase implements Case {
    private final int pages;
    private final double rate;
    private final double seconds;
    private final boolean viaPage;

    /** @param viaPage publish with the page method {@code dbevent} instead of {@code POST /_/dbevent} */
    public FanoutCase(int pages, double rate, double seconds, boolean viaPage) {
        this.pages = pages;
        this.rate = rate;
        this.seconds = seconds;
        this.viaPage = viaPage;
    }

    @Override
    public String scenario() {
        return "fanout";
    }

    @Override
    public String name() {
        return "n" + pages + " r" + (long) rate + (viaPage ? " via page" : "");
    }

    /** The ceiling's {@code POST /_/dbevent} is the bare write loop to the same sockets. */
    @Override
    public boolean ceilingToo() {
        return true;
    }

    @Override
    public ObjectNode params() {
        return Json.object().put("pages", pages).put("rate", rate).put("seconds", seconds)
                .put("via", viaPage ? "page method" : "POST /_/dbevent");
    }

    @Override
    public List<String> problems(ObjectNode metrics) {
        return Case.join(Case.below(metrics, "delivered", 1), Case.above(metrics, "lost", 0),
                Case.above(metrics, "seq_gaps", 0), Case.above(metrics, "sockets_failed", 0),
                Case.above(metrics, "sockets_closed", 0));
    }

    @Override
    public ObjectNode run(Run run) throws Exception {
        try (FanoutRig rig = FanoutRig.open(run, pages, viaPage)) {
            rig.requireSockets();
            rig.warmUp();
            Usage usage = run.server().usage();
            Usage client = run.client(rig::fleetPids);
            usage.mark();
            client.mark();
            ObjectNode metrics = rig.step(rate, seconds);
            metrics.put("pages", pages).put("sockets_failed", rig.failed());
            usage.sinceMark().into(metrics);
            metrics.put("client_cpu_cores", client.sinceMark().cores());
            return metrics;
        }
    }
}
