package dev.resident.load;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The command line of {@code bench/run}.
 *
 * @param peers       the peers' directory ({@code --peers}), or null to measure Resident alone
 * @param scenarios   scenarios to run, in order
 * @param caseFilter  run only the cases whose name contains this ({@code --case}), or null for all
 * @param only        measure only these servers ({@code --only}), or empty for all
 * @param quick       short runs and small sizes, for trying the harness out
 * @param smoke       every scenario at tiny sizes, nothing recorded, a failed case fails the run (CI)
 * @param reportOnly  only rewrite the HTML report from the recorded results
 * @param servers     already running servers to measure instead of starting Resident ({@code --servers}); for
 *                    fanout the pages are spread over them
 * @param adminToken  dbevent token of every server
 * @param home        the {@code bench/} directory
 * @param residentJar the server's jar
 * @param benchJar    this harness's jar (the ceiling and socket fleets run from it)
 * @param javaHome    the JDK that runs the Java servers and fleets
 * @param serverJvm   extra JVM options of the Java servers ({@code BENCH_SERVER_OPTS})
 * @param clientLoops selector threads of the load generator
 */
public record Options(Path peers, List<String> scenarios, String caseFilter, List<String> only, boolean quick, boolean smoke,
                      boolean reportOnly, List<URI> servers, String adminToken,
                      Path home, Path residentJar, Path benchJar, Path javaHome, List<String> serverJvm,
                      int clientLoops) {
    public static final List<String> ALL = List.of("rpc", "ws-rpc", "fanout", "fanout-max", "capacity", "pages", "cold");
    static final String USAGE = """
            usage: bench/run [--peers DIR] [--scenario NAME...] [--case TEXT] [--only NAMES] [--quick | --smoke] [--servers URL,...] [--report]
              --peers DIR      also measure DIR/legacy and DIR/asgi (started with their start/stop scripts)
              --scenario NAME  one or more of rpc ws-rpc fanout fanout-max capacity pages cold (default: all)
              --case TEXT      only the cases whose name contains TEXT (e.g. "inc c64")
              --only NAMES     only these servers, e.g. resident,asgi (resident ceiling floor asgi legacy)
              --quick          short runs and small sizes
              --smoke          every scenario at tiny sizes (~40 s), checked, not recorded; exits 1 when a case
                               fails (CI)
              --servers URLS   measure these running servers instead of starting Resident (fanout spreads pages
                               over them; publishes go to the first)
              --report         no run: print the table of the latest recorded results, rewrite results/report.html
            environment: BENCH_SERVER_OPTS (JVM options of the Java servers), BENCH_CLIENT_LOOPS (default 1),
                         BENCH_ADMIN_TOKEN (default bench-token), BENCH_FANOUT_RATE (events/s of fanout, default 100),
                         BENCH_COLD_CLIENT_WARMUP (seconds cold warms its client on a ceiling first, default 10; 0 none)""";

    /** Parses the arguments; {@code home} is {@code bench/}. */
    static Options parse(String[] args, Path home, Path javaHome) {
        Path peers = null;
        List<String> scenarios = new ArrayList<>();
        String caseFilter = null;
        List<String> only = new ArrayList<>();
        boolean quick = false;
        boolean smoke = false;
        boolean reportOnly = false;
        List<URI> servers = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peers" -> peers = Path.of(value(args, ++i)).toAbsolutePath().normalize();
                case "--case" -> caseFilter = value(args, ++i);
                case "--only" -> only.addAll(Arrays.asList(value(args, ++i).split(",")));
                case "--quick" -> quick = true;
                case "--smoke" -> smoke = true;
                case "--report" -> reportOnly = true;
                case "--servers" -> Arrays.stream(value(args, ++i).split(",")).map(URI::create).forEach(servers::add);
                case "--scenario" -> {
                    while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        scenarios.add(args[++i]);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "\n" + USAGE);
            }
        }
        String env = System.getenv().getOrDefault("BENCH_SERVER_OPTS", "").trim();
        return new Options(peers, scenarios.isEmpty() ? ALL : List.copyOf(scenarios), caseFilter, List.copyOf(only), quick,
                smoke, reportOnly,
                List.copyOf(servers),
                System.getenv().getOrDefault("BENCH_ADMIN_TOKEN", "bench-token"), home,
                home.resolve("../target/resident.jar").normalize(), home.resolve("target/resident-bench.jar"),
                javaHome, env.isEmpty() ? List.of() : List.of(env.split("\\s+")),
                Integer.parseInt(System.getenv().getOrDefault("BENCH_CLIENT_LOOPS", "1")));
    }

    public Path resultsDir() {
        return home.resolve("results");
    }

    /** Logs and peer run directories of this machine; not kept in git. */
    public Path workDir() {
        return home.resolve("target/run");
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value\n" + USAGE);
        }
        return args[i];
    }
}
