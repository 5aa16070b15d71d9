package dev.resident.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.Resident;
import dev.resident.json.Json;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import dev.resident.page.engine.CpuPool;
import dev.resident.support.Browser;
import dev.resident.support.NatsTestServer;
import dev.resident.support.SocketClient;
import dev.resident.support.TaskProbe;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskMeters;
import dev.resident.task.engine.TaskSettings;
import dev.resident.task.engine.nats.TaskNats;
import io.helidon.webserver.WebServer;
import io.nats.client.Connection;
import io.nats.client.Nats;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A small bench of the task engine (not a test): no-op jobs per second and the p50/p99 from submit
 * to the task starting, through the in-process queue and through JetStream (its own nats-server),
 * and from a progress call to the frame on the page's socket.
 * Run after {@code mvn -B -q -DskipTests package test-compile}:
 * <pre>
 * java -cp "target/classes:target/test-classes:target/libs/*" dev.resident.task.TaskBench [jobs]
 * </pre>
 */
public final class TaskBench {
    private static final int SUBMITTERS = 8;
    /** The latency runs submit at this rate (jobs/s), well below what either lane takes. */
    private static final int PACED_RATE = 100;
    private static final int PACED_JOBS = 500;

    private TaskBench() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        TaskSettings settings = new TaskSettings(8, 100_000, 100_000, 5, 65536, 262144, Duration.ofMinutes(5), 200_000,
                1L << 30, 1L << 30, 1L << 30, Integer.MAX_VALUE, 3,
                Duration.ofSeconds(30), false, Duration.ofSeconds(5));
        run("local", jobs, 0, settings, null);
        run("local", PACED_JOBS, PACED_RATE, settings, null);
        progressToFrame("local", Map.of(), Map.of());
        try (NatsTestServer nats = new NatsTestServer("-js")) {
            run("jetstream", jobs, 0, settings, nats.url());
            run("jetstream", PACED_JOBS, PACED_RATE, settings, nats.url());
            Map<String, String> site = Map.of("ipc.backend", "nats", "ipc.nats.url", nats.url(),
                    "ipc.nats.prefix", "bench-progress");
            progressToFrame("jetstream", site, site);
        }
    }

    /**
     * From a task's {@code progress} call to the {@code job} frame on the page's socket: a real
     * server with the page, the task on a worker in the same process (local) or in a second server
     * over NATS (page server without workers), progress every 25 ms (the gate lets 50/s through).
     */
    private static void progressToFrame(String lane, Map<String, String> pageServer, Map<String, String> workerServer) {
        Map<String, String> pagesConfig = new HashMap<>(pageServer);
        pagesConfig.put("resident.tasks.progress-per-second", "50");
        Map<String, String> workerConfig = new HashMap<>(workerServer);
        workerConfig.put("resident.tasks.progress-per-second", "50");
        boolean separate = !pageServer.isEmpty();
        if (separate) {
            pagesConfig.put("resident.process", "p01");
            pagesConfig.put("resident.tasks.workers", "0");
            workerConfig.put("resident.process", "p02");
        }
        List<WebServer> servers = new ArrayList<>();
        List<Resident> residents = new ArrayList<>();
        try {
            WebServer pages = server(pagesConfig, servers, residents);
            if (separate) {
                server(workerConfig, servers, residents);
            }
            Browser browser = new Browser(URI.create("http://127.0.0.1:" + pages.port()));
            String pageId = browser.openPage(TaskProbe.PATH, null).get("page_id").asText();
            SocketClient socket = browser.socket(pageId);
            socket.next("hello");
            int count = 400;
            String jobId = browser.rpc(pageId, "submit", Json.object().put("type", "probe.stamp")
                            .set("params", Json.object().put("count", count).put("every_ms", 25)), null)
                    .json().path("result").path("job_id").asText();
            long[] latencies = new long[count];
            int seen = 0;
            while (true) {
                JsonNode frame = JobFrames.next(socket, jobId, Duration.ofSeconds(30));
                long now = System.nanoTime();
                if (!"running".equals(frame.path("state").asText())) {
                    if (JobFrames.finished(frame)) {
                        break;
                    }
                    continue;
                }
                String stamp = frame.path("progress").path("message").asText("");
                if (!stamp.isEmpty() && seen < count) {
                    latencies[seen++] = now - Long.parseLong(stamp);
                }
            }
            long[] measured = Arrays.copyOf(latencies, seen);
            Arrays.sort(measured);
            System.out.printf("%-9s progress -> frame on the page: %d frames, p50 %6.2f ms, p99 %6.2f ms%n", lane, seen,
                    measured[seen / 2] / 1e6, measured[seen * 99 / 100] / 1e6);
        } finally {
            servers.forEach(WebServer::stop);
            residents.forEach(Resident::close);
        }
    }

    private static WebServer server(Map<String, String> config, List<WebServer> servers, List<Resident> residents) {
        Resident[] made = new Resident[1];
        WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                .update(builder -> made[0] = TaskProbe.setup(builder, config)).build().start();
        servers.add(server);
        residents.add(made[0]);
        return server;
    }

    /** @param rate jobs per second, or 0 for a burst by {@value #SUBMITTERS} submitters */
    private static void run(String lane, int jobs, int rate, TaskSettings settings, String natsUrl) throws Exception {
        AtomicLongArray startedAfter = new AtomicLongArray(jobs);
        AtomicInteger index = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(jobs);
        AtomicInteger refusals = new AtomicInteger();
        int warmUps = Math.min(200, jobs);
        CountDownLatch warm = new CountDownLatch(warmUps);
        TaskTypes types = new TaskTypes().register(TaskType.builder("noop", (params, context) -> {
            if (params.bool("warm", false)) {
                warm.countDown();
            } else {
                startedAfter.set(index.getAndIncrement(), System.nanoTime() - params.integer("t0", 0));
                finished.countDown();
            }
            return null;
        }).build());
        try (CpuPool cpu = new CpuPool(1, 10);
             Timers timers = new Timers();
             ResidentMeters meters = new ResidentMeters("bench-" + lane);
             TaskEngine engine = new TaskEngine(settings, types, new TaskMeters(meters), cpu, timers)) {
            if (natsUrl == null) {
                engine.addLocalLane((pageId, user, tail) -> true);
            } else {
                Connection connection = Nats.connect(natsUrl);
                engine.closeAlso(connection::close);
                TaskNats.addLane(engine, connection, "bench", (pageId, user, tail) -> true);
            }
            for (int i = 0; i < warmUps; i++) { // JIT and connections warm; not measured
                engine.submit("bench-page", "bench", null, "noop", Json.object().put("warm", true).put("t0", System.nanoTime()));
            }
            if (!warm.await(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException(lane + ": the warm-up jobs did not run");
            }
            long start = System.nanoTime();
            try (ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS)) {
                for (int i = 0; i < jobs; i++) {
                    if (rate > 0) {
                        long due = start + i * 1_000_000_000L / rate;
                        TimeUnit.NANOSECONDS.sleep(due - System.nanoTime()); // the pacing of an open-loop load
                    }
                    submitters.submit(() -> {
                        try {
                            engine.submit("bench-page", "bench", null, "noop", Json.object().put("t0", System.nanoTime()));
                        } catch (RuntimeException refused) { // a 429 or 503: counted, not waited for
                            refusals.incrementAndGet();
                            finished.countDown();
                        }
                    });
                }
            }
            if (!finished.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException(lane + ": " + finished.getCount() + " jobs did not run");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            int ran = index.get();
            long[] latencies = new long[ran];
            for (int i = 0; i < ran; i++) {
                latencies[i] = startedAfter.get(i);
            }
            Arrays.sort(latencies);
            System.out.printf("%-9s %-11s %5d no-op jobs in %5.2f s: %6.0f jobs/s; submit -> start p50 %7.2f ms, p99 %7.2f ms"
                            + "; %d submits refused%n",
                    lane, rate > 0 ? rate + " jobs/s" : "burst", ran, seconds, ran / seconds, latencies[ran / 2] / 1e6,
                    latencies[ran * 99 / 100] / 1e6, refusals.get());
        }
    }
}
