package dev.resident.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.net.Loops;
import dev.resident.load.report.HtmlReport;
import dev.resident.load.report.ResultLog;
import dev.resident.load.report.Table;
import dev.resident.load.scenario.Case;
import dev.resident.load.scenario.Run;
import dev.resident.load.target.ExternalTarget;
import dev.resident.load.target.JvmTarget;
import dev.resident.load.target.PeerTarget;
import dev.resident.load.target.Running;
import dev.resident.load.target.Target;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** One run: every case of the chosen scenarios against every server, one fresh server per case. */
final class Bench {
    private final Options options;
    private final ResultLog log;
    private final String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
            .format(Instant.now());

    Bench(Options options) {
        this.options = options;
        this.log = new ResultLog(options.resultsDir());
    }

    /**
     * Runs every case against every server; with {@code --smoke} records nothing and checks each
     * case's numbers instead.
     *
     * @return false when a smoke case failed
     */
    boolean run() throws IOException {
        List<Target> targets = targets();
        List<JsonNode> lines = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try (Loops loops = new Loops(options.clientLoops(), "client");
             ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                     Thread.ofPlatform().daemon().name("bench-timer").factory())) {
            for (String scenario : options.scenarios()) {
                for (Case measured : Scenarios.cases(scenario, options)) {
                    for (Target target : targets) {
                        if (target.name().equals("ceiling") && !measured.ceilingToo()
                                || target.name().equals("floor") && !measured.floorToo()) {
                            continue;
                        }
                        ObjectNode line = measure(measured, target, loops, timer);
                        if (options.smoke()) {
                            failures.addAll(smokeFailures(measured, target, line));
                        } else {
                            log.append(line);
                        }
                        lines.add(line);
                        System.out.println(Json.write(line));
                    }
                }
            }
        }
        System.out.println();
        System.out.print(Table.render(lines, "(Resident alone: no --peers given, so no peer columns)"));
        if (options.smoke()) {
            failures.forEach(failure -> System.out.println("smoke FAILED: " + failure));
            System.out.printf("smoke: %d of %d cases passed (nothing recorded)%n", lines.size() - failures.size(), lines.size());
            return failures.isEmpty();
        }
        HtmlReport.write(log.readAll(), options.resultsDir().resolve("report.html"));
        System.out.println("report: " + options.resultsDir().resolve("report.html"));
        return true;
    }

    /** One line per failed smoke case: its error, or what its numbers show broken. */
    private static List<String> smokeFailures(Case measured, Target target, ObjectNode line) {
        String name = measured.scenario() + " " + measured.name() + " on " + target.name() + ": ";
        if (line.has("error")) {
            return List.of(name + line.path("error").asText());
        }
        List<String> problems = measured.problems((ObjectNode) line.path("metrics"));
        return problems.isEmpty() ? List.of() : List.of(name + String.join(", ", problems));
    }

    private ObjectNode measure(Case measured, Target target, Loops loops, ScheduledExecutorService timer) {
        System.err.printf("== %s %s on %s%n", measured.scenario(), measured.name(), target.name());
        ObjectNode line = Json.object()
                .put("run", runId)
                .put("at", Instant.now().toString())
                .put("scenario", measured.scenario())
                .put("case", measured.name())
                .put("target", target.name())
                .put("quick", options.quick())
                .put("smoke", options.smoke())
                .put("commit", System.getProperty("bench.commit", "unknown"));
        line.set("params", measured.params());
        if (!options.serverJvm().isEmpty() && target instanceof JvmTarget) {
            line.put("server_jvm", String.join(" ", options.serverJvm()));
        }
        Optional<Case> clientWarmup = measured.clientWarmup();
        if (clientWarmup.isPresent()) {
            try {
                warmClient(clientWarmup.get(), loops, timer);
            } catch (Exception e) {
                e.printStackTrace();
                return line.put("error", "the client's warm-up: " + e);
            }
        }
        Machine machine = new Machine();
        try (Running server = target.start(measured.residentEnv())) {
            line.put("url", server.base().toString());
            if (!Double.isNaN(server.startSeconds())) {
                line.put("start_s", server.startSeconds());
            }
            line.set("metrics", measured.run(new Run(server, loops, timer, options)));
        } catch (Exception e) {
            e.printStackTrace();
            line.put("error", String.valueOf(e));
        }
        line.set("machine", machine.sinceStart());
        return line;
    }

    /** Runs {@code load} against a ceiling of its own, unmeasured, so that the client's code is compiled. */
    private void warmClient(Case load, Loops loops, ScheduledExecutorService timer) throws Exception {
        System.err.printf("   warming the client: %s on a ceiling of its own%n", load.name());
        Target ceiling = JvmTarget.ceiling(options.javaHome(), List.of(), options.benchJar(), options.workDir());
        try (Running server = ceiling.start(Map.of())) {
            load.run(new Run(server, loops, timer, options));
        }
    }

    private List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        if (!options.servers().isEmpty()) {
            targets.add(new ExternalTarget(options.servers(), options.adminToken()));
            return targets;
        }
        targets.add(JvmTarget.resident(options.javaHome(), options.serverJvm(), options.residentJar(),
                options.workDir(), options.adminToken()));
        targets.add(JvmTarget.ceiling(options.javaHome(), options.serverJvm(), options.benchJar(), options.workDir()));
        targets.add(JvmTarget.floor(options.javaHome(), options.serverJvm(), options.benchJar(), options.workDir()));
        if (options.peers() != null) {
            targets.add(new PeerTarget(options.peers(), "asgi", options.workDir(), options.adminToken()));
            targets.add(new PeerTarget(options.peers(), "legacy", options.workDir(), options.adminToken()));
        }
        targets.removeIf(target -> !options.only().isEmpty() && !options.only().contains(target.name()));
        return targets;
    }
}
