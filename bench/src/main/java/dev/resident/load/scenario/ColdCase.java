package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;

import java.util.List;
import java.util.Optional;

/**
 * {@code cold}: a fresh server's first seconds, the warm-up after a deploy. {@code rpc inc} from
 * the first call on, with no warm-up dropped, then the same load again after a warm-up, on the
 * same process: the first window's throughput against the warm one's. Before the server starts,
 * the harness runs the same load for {@code clientWarmup} seconds against a ceiling of its own
 * (see {@link #clientWarmup()}): a browser is not a JVM compiling its client on the server's cores,
 * so the first window measures the server's warm-up, not the load generator's.
 */
public final class ColdCase implements Case {
    private static final String METHOD = "inc";
    private final int clients;
    private final double firstSeconds;
    private final double warmup;
    private final double warmSeconds;
    private final double clientWarmup;

    /**
     * @param firstSeconds the window measured from the first call
     * @param warmup       further load, not measured, before the warm window
     * @param clientWarmup seconds of the same load against a ceiling before the server starts, or
     *                     0 for a client as cold as the server (the measurement before this option)
     */
    public ColdCase(int clients, double firstSeconds, double warmup, double warmSeconds, double clientWarmup) {
        this.clients = clients;
        this.firstSeconds = firstSeconds;
        this.warmup = warmup;
        this.warmSeconds = warmSeconds;
        this.clientWarmup = clientWarmup;
    }

    @Override
    public String scenario() {
        return "cold";
    }

    @Override
    public String name() {
        return METHOD + " c" + clients + " first " + (long) firstSeconds + "s";
    }

    @Override
    public boolean ceilingToo() {
        return true;
    }

    @Override
    public ObjectNode params() {
        return Json.object().put("method", METHOD).put("clients", clients).put("first_s", firstSeconds)
                .put("warmup_s", warmup).put("warm_s", warmSeconds).put("client_warmup_s", clientWarmup);
    }

    @Override
    public Optional<Case> clientWarmup() {
        return clientWarmup > 0 ? Optional.of(new RpcCase(false, METHOD, "{}", clients, 0, clientWarmup)) : Optional.empty();
    }

    @Override
    public ObjectNode run(Run run) throws Exception {
        ObjectNode first = new RpcCase(false, METHOD, "{}", clients, 0, firstSeconds).run(run);
        ObjectNode warm = new RpcCase(false, METHOD, "{}", clients, warmup, warmSeconds).run(run);
        long firstThroughput = first.path("throughput").asLong();
        long warmThroughput = warm.path("throughput").asLong();
        return Json.object()
                .put("first_throughput", firstThroughput)
                .put("warm_throughput", warmThroughput)
                .put("first_of_warm", warmThroughput == 0 ? 0 : Math.round(firstThroughput * 100.0 / warmThroughput) / 100.0)
                .put("first_p99_ms", first.path("p99_ms").asDouble())
                .put("warm_p99_ms", warm.path("p99_ms").asDouble())
                .put("error_count", first.path("error_count").asLong() + warm.path("error_count").asLong())
                .put("unfinished_clients", first.path("unfinished_clients").asLong() + warm.path("unfinished_clients").asLong())
                .put("server_cpu_cores", warm.path("server_cpu_cores").asDouble())
                .put("server_rss_mb", warm.path("server_rss_mb").asLong());
    }

    @Override
    public List<String> problems(ObjectNode metrics) {
        return Case.join(Case.below(metrics, "first_throughput", 1), Case.above(metrics, "error_count", 0),
                Case.above(metrics, "unfinished_clients", 0));
    }
}
