package dev.resident.load;

import dev.resident.load.scenario.CapacityCase;
import dev.resident.load.scenario.Case;
import dev.resident.load.scenario.ColdCase;
import dev.resident.load.scenario.FanoutCase;
import dev.resident.load.scenario.FanoutMaxCase;
import dev.resident.load.scenario.PagesCase;
import dev.resident.load.scenario.RpcCase;

import java.util.ArrayList;
import java.util.List;

/**
 * The cases of each scenario, with the sizes of issue 5 (or small ones with {@code --quick}, tiny
 * ones with {@code --smoke}).
 */
final class Scenarios {
    private Scenarios() {
    }

    /** The cases of {@code scenario} that pass the {@code --case} filter. */
    static List<Case> cases(String scenario, Options options) {
        return (options.smoke() ? smoke(scenario) : all(scenario, options.quick())).stream()
                .filter(c -> options.caseFilter() == null || c.name().contains(options.caseFilter()))
                .toList();
    }

    private static List<Case> all(String scenario, boolean quick) {
        return switch (scenario) {
            case "rpc" -> rpc(false, quick);
            case "ws-rpc" -> rpc(true, quick);
            case "fanout" -> List.of(quick ? new FanoutCase(1_000, fanoutRate(), 5, false) : new FanoutCase(10_000, fanoutRate(), 30, false));
            case "fanout-max" -> List.of(new FanoutMaxCase(1_000,
                    List.of(1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 200.0, 250.0, 320.0, 640.0), quick ? 3 : 10, 50));
            case "capacity" -> List.of(quick ? new CapacityCase(2_000, 10, 1_000, "5s")
                    : new CapacityCase(19_000, 40, 1_000, "10s"));
            case "pages" -> List.of(new PagesCase(quick ? 10_000 : 100_000));
            case "cold" -> List.of(quick ? new ColdCase(64, 10, 5, 5, coldClientWarmup(5)) : new ColdCase(64, 10, 15, 10, coldClientWarmup(10)));
            default -> throw new IllegalArgumentException("unknown scenario " + scenario + "\n" + Options.USAGE);
        };
    }

    /** Events per second of the {@code fanout} case: 100, or {@code BENCH_FANOUT_RATE} (the same sockets at another load). */
    private static double fanoutRate() {
        return Double.parseDouble(System.getenv().getOrDefault("BENCH_FANOUT_RATE", "100"));
    }

    /**
     * Seconds the {@code cold} case warms its client against a ceiling first: {@code byDefault}, or
     * {@code BENCH_COLD_CLIENT_WARMUP} (0: the client starts as cold as the server).
     */
    private static double coldClientWarmup(double byDefault) {
        return Double.parseDouble(System.getenv().getOrDefault("BENCH_COLD_CLIENT_WARMUP", String.valueOf(byDefault)));
    }

    /** One tiny case per scenario: the harness and the server still work together, nothing measured. */
    private static List<Case> smoke(String scenario) {
        return switch (scenario) {
            case "rpc" -> List.of(new RpcCase(false, "inc", "{}", 4, 0.5, 1));
            case "ws-rpc" -> List.of(new RpcCase(true, "work", "{\"io_ms\":5}", 8, 0.5, 1));
            case "fanout" -> List.of(new FanoutCase(20, 20, 1, false));
            case "fanout-max" -> List.of(new FanoutMaxCase(20, List.of(5.0, 10.0), 1, 1_000));
            case "capacity" -> List.of(new CapacityCase(50, 1, 500, "1s"));
            case "pages" -> List.of(new PagesCase(200));
            case "cold" -> List.of(new ColdCase(4, 1, 0.5, 1, 0.5));
            default -> throw new IllegalArgumentException("unknown scenario " + scenario + "\n" + Options.USAGE);
        };
    }

    private static List<Case> rpc(boolean socket, boolean quick) {
        double warmup = quick ? 5 : 15; // a fresh JVM needs ~7 s of this load to finish compiling
        double seconds = quick ? 5 : 20;
        List<Case> cases = new ArrayList<>();
        cases.add(new RpcCase(socket, "inc", "{}", 64, warmup, seconds));
        for (String work : List.of("{\"io_ms\":5}", "{\"io_ms\":5,\"cpu_ms\":1}")) {
            for (int clients : List.of(256, 1000)) {
                cases.add(new RpcCase(socket, "work", work, clients, warmup, seconds));
            }
        }
        return cases;
    }
}
