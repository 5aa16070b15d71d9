package dev.resident.load.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/soak} drives this: {@code --url U --pid P --minutes M [--clients 16] [--publish-ms 100]
 * [--token T] [--server-log F] [--results F]}. Prints one line a minute and a verdict: heap after GC
 * grows less than 5 % from the baseline minute (5, or 1 in runs shorter than 10 minutes) to the end,
 * open files do not grow, no error. Exit code 0 when it passed, 1 when not.
 */
public final class Soak {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double MAX_HEAP_GROWTH = 0.05;

    private Soak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of("--clients", "16", "--publish-ms", "100",
                "--token", "", "--server-log", "", "--results", ""));
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        URI base = URI.create(options.get("--url"));
        long pid = Long.parseLong(options.get("--pid"));
        int minutes = Integer.parseInt(options.get("--minutes"));
        int clients = Integer.parseInt(options.get("--clients"));
        String serverLog = options.get("--server-log");
        Sampler sampler = new Sampler(pid, Path.of(System.getProperty("java.home"), "bin", "jcmd"),
                serverLog.isEmpty() ? null : Path.of(serverLog));

        Counters counters = new Counters();
        Errors errors = new Errors();
        long endAt = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
        java.util.function.BooleanSupplier running = () -> System.nanoTime() - endAt < 0;
        List<ObjectNode> samples = new ArrayList<>();
        String started = Instant.now().toString();
        System.out.println("| minute | heap after GC MB | fds | threads | RSS MB | pages opened | sockets | rpcs "
                + "| logins | logouts | dbevents published | received | notifies | errors |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(30)).build();
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            LoginPacer logins = new LoginPacer(3_000);
            threads.submit(new Publisher(http, base, options.get("--token"),
                    Long.parseLong(options.get("--publish-ms")), counters, errors, running));
            for (int c = 0; c < clients; c++) {
                threads.submit(new SoakClient(http, base, counters, errors, logins, running));
            }
            long start = System.nanoTime();
            for (int minute = 1; minute <= minutes; minute++) {
                long due = start + TimeUnit.MINUTES.toNanos(minute);
                TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
                ObjectNode sample = sampler.sample().put("minute", minute);
                sample.put("pages_opened", counters.pagesOpened.sum()).put("sockets", counters.socketsOpened.sum())
                        .put("rpcs", counters.rpcs.sum()).put("logins", counters.logins.sum())
                        .put("logouts", counters.logouts.sum()).put("published", counters.published.sum())
                        .put("dbevents_received", counters.dbeventsReceived.sum())
                        .put("notifies_received", counters.notifiesReceived.sum())
                        .put("errors", errors.total() + sample.path("server_log_exceptions").asLong());
                samples.add(sample);
                System.out.printf("| %d | %.1f | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |%n",
                        minute, sample.path("heap_kb").asLong() / 1024.0, sample.path("fds").asLong(),
                        sample.path("threads").asLong(), sample.path("rss_kb").asLong() / 1024,
                        sample.path("pages_opened").asLong(), sample.path("sockets").asLong(),
                        sample.path("rpcs").asLong(), sample.path("logins").asLong(),
                        sample.path("logouts").asLong(), sample.path("published").asLong(),
                        sample.path("dbevents_received").asLong(), sample.path("notifies_received").asLong(),
                        sample.path("errors").asLong());
            }
            threads.shutdownNow();
            threads.awaitTermination(2, TimeUnit.MINUTES);
        }
        ObjectNode verdict = verdict(samples, errors, minutes);
        verdict.put("started", started).put("minutes", minutes).put("clients", clients)
                .put("publish_ms", Long.parseLong(options.get("--publish-ms")));
        ArrayNode all = verdict.putArray("samples");
        samples.forEach(all::add);
        System.out.println(verdict.without("samples").toPrettyString());
        if (!options.get("--results").isEmpty()) {
            Files.writeString(Path.of(options.get("--results")), JSON.writeValueAsString(verdict) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        System.exit(verdict.path("passed").asBoolean() ? 0 : 1);
    }

    /** Heap growth from the baseline minute to the last, fds of the last five minutes against the baseline's five. */
    static ObjectNode verdict(List<ObjectNode> samples, Errors errors, int minutes) {
        int baseline = minutes >= 10 ? 5 : 1;
        ObjectNode first = samples.get(baseline - 1);
        ObjectNode last = samples.getLast();
        double growth = (double) last.path("heap_kb").asLong() / first.path("heap_kb").asLong() - 1;
        long baselineFds = samples.subList(baseline - 1, Math.min(samples.size(), baseline + 4)).stream()
                .mapToLong(sample -> sample.path("fds").asLong()).max().orElse(0);
        long endFds = samples.subList(Math.max(0, samples.size() - 5), samples.size()).stream()
                .mapToLong(sample -> sample.path("fds").asLong()).sorted().skip(Math.min(samples.size(), 5) / 2)
                .findFirst().orElse(0);
        long errorCount = last.path("errors").asLong();
        ObjectNode verdict = JSON.createObjectNode();
        verdict.put("baseline_minute", baseline)
                .put("heap_growth_pct", Math.round(growth * 1000) / 10.0)
                .put("baseline_fds_max", baselineFds)
                .put("end_fds_median", endFds)
                .put("errors", errorCount)
                .putPOJO("errors_by_kind", errors.byKind())
                .putPOJO("first_error_of_each_kind", errors.firstMessages())
                .put("passed", growth < MAX_HEAP_GROWTH && endFds <= baselineFds && errorCount == 0);
        return verdict;
    }
}
