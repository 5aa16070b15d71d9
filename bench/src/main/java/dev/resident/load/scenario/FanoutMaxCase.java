package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;

import java.util.List;

/**
 * {@code fanout-max}: the fanout set-up with the publish rate raised step after step (the rates
 * given, in order), until a step loses a delivery, misses the latency bound or cannot publish at
 * the asked rate: the best deliveries per second within the bound. Steps after the first failing
 * one are not run.
 */
public final class FanoutMaxCase implements Case {
    private final int pages;
    private final List<Double> rates;
    private final double stepSeconds;
    private final double p99BoundMs;

    public FanoutMaxCase(int pages, List<Double> rates, double stepSeconds, double p99BoundMs) {
        this.pages = pages;
        this.rates = rates;
        this.stepSeconds = stepSeconds;
        this.p99BoundMs = p99BoundMs;
    }

    @Override
    public String scenario() {
        return "fanout-max";
    }

    @Override
    public String name() {
        return "n" + pages + " p99<" + (long) p99BoundMs + "ms";
    }

    /** The ceiling's {@code POST /_/dbevent} is the bare write loop to the same sockets. */
    @Override
    public boolean ceilingToo() {
        return true;
    }

    @Override
    public ObjectNode params() {
        ObjectNode params = Json.object().put("pages", pages).put("step_seconds", stepSeconds)
                .put("p99_bound_ms", p99BoundMs);
        params.set("rates", Json.valueOf(rates));
        return params;
    }

    /** The first step (the lowest rate) delivers everything: the bound may fail on a busy machine. */
    @Override
    public List<String> problems(ObjectNode metrics) {
        JsonNode steps = metrics.path("steps");
        if (steps.isEmpty()) {
            return List.of("no step ran");
        }
        ObjectNode first = (ObjectNode) steps.get(0);
        return Case.join(Case.below(first, "delivered", 1), Case.above(first, "lost", 0), Case.above(first, "seq_gaps", 0));
    }

    @Override
    public ObjectNode run(Run run) throws Exception {
        ArrayNode steps = Json.object().arrayNode();
        ObjectNode best = null;
        try (FanoutRig rig = FanoutRig.open(run, pages, false)) {
            rig.requireSockets();
            rig.warmUp();
            for (double rate : rates) {
                ObjectNode step = rig.step(rate, stepSeconds);
                steps.add(step);
                boolean within = step.path("lost").asLong() == 0 && step.path("p99_ms").asDouble() < p99BoundMs
                        && step.path("published_per_s").asDouble() >= 0.9 * rate;
                if (!within) {
                    break;
                }
                best = step;
            }
            ObjectNode metrics = Json.object().put("sockets", rig.sockets())
                    .put("best_rate", best == null ? 0 : best.path("rate").asDouble())
                    .put("best_deliveries_per_s", best == null ? 0 : best.path("deliveries_per_s").asLong())
                    .put("best_p99_ms", best == null ? 0 : best.path("p99_ms").asDouble());
            metrics.set("steps", steps);
            return metrics;
        }
    }
}
