package dev.resident.task;

import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.Observe;
import dev.resident.support.TestUsers;
import dev.resident.task.engine.TaskEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code resident.tasks.schedule} on a site of two processes over a real nats-server with JetStream. */
@Tag("slow")
@Timeout(90)
class NatsScheduleTest {
    private static final Queue<Run> RUNS = new ConcurrentLinkedQueue<>();
    private NatsTestServer nats;
    private final Map<String, String> config = new HashMap<>();
    private final List<NatsSite> sites = new ArrayList<>();

    @BeforeEach
    void start() {
        RUNS.clear();
        nats = new NatsTestServer("-js");
        config.put("ipc.nats.prefix", "sched-" + UUID.randomUUID().toString().substring(0, 8));
        config.put("resident.tasks.workers", "1");
        schedule(0, "tick", "every second", "skip");
    }

    @AfterEach
    void stop() {
        sites.forEach(NatsSite::close);
        nats.close();
    }

    @Test
    void aScheduleOnTwoProcessesRunsEachDueTimeExactlyOnce() {
        NatsSite site = site();
        Node a = tickingNode(site, "p01");
        Node b = tickingNode(site, "p02");
        Eventually.await(Duration.ofSeconds(30), "5 s of runs", () -> distinctDueTimes() >= 6);
        Map<String, List<Run>> byDue = RUNS.stream().collect(Collectors.groupingBy(Run::due, TreeMap::new, Collectors.toList()));
        for (Map.Entry<String, List<Run>> due : byDue.entrySet()) {
            assertEquals(1, due.getValue().size(), "the run of " + due.getKey() + " ran " + due.getValue());
        }
        List<Instant> times = byDue.keySet().stream().map(Instant::parse).sorted().toList();
        for (int i = 1; i < times.size(); i++) {
            assertEquals(Duration.ofSeconds(1), Duration.between(times.get(i - 1), times.get(i)), "no run missed: " + times);
        }
        assertTrue(RUNS.stream().allMatch(run -> run.label().equals("every second")), "the schedule's params");
        String state = new Observe(a.uri()).text();
        assertTrue(state.contains("resident_tasks_completed_total"), "counted");
        assertTrue(b.ready());
    }

    @Test
    void aRunMissedWhileTheSiteWasDownIsMadeUpOnceWithCatchUpAndNotWithSkip() {
        config.clear();
        config.put("ipc.nats.prefix", "sched-" + UUID.randomUUID().toString().substring(0, 8));
        config.put("resident.tasks.workers", "1");
        schedule(0, "caught", "caught", "catch-up");
        schedule(1, "skipped", "skipped", "skip");
        NatsSite before = site();
        tickingNode(before, "p01");
        Eventually.await(Duration.ofSeconds(30), "both schedules ran",
                () -> count("caught") >= 2 && count("skipped") >= 2);
        Instant stoppedAt = Instant.now();
        before.close();
        sites.remove(before);
        // the site is down while three due times pass
        Eventually.await(Duration.ofSeconds(10), "3 s with the site down",
                () -> Instant.now().isAfter(stoppedAt.plusMillis(3500)));
        Instant restartedAt = Instant.now();
        tickingNode(site(), "p01");
        // the catch-up is of the last due time before the scheduler started, which a slow start
        // (a loaded machine) puts after restartedAt: startedAt bounds it
        Instant startedAt = Instant.now();
        Eventually.await(Duration.ofSeconds(30), "runs after the restart",
                () -> RUNS.stream().anyMatch(run -> Instant.parse(run.due()).isAfter(startedAt.plusSeconds(1))));
        Instant missedFrom = stoppedAt.plusSeconds(1);
        assertTrue(runsBetween("caught", missedFrom, restartedAt) <= 1, "caught up once, not every missed run: " + RUNS);
        long caughtUp = runsBetween("caught", missedFrom, startedAt);
        assertTrue(caughtUp >= 1 && caughtUp <= 2, "caught up (and perhaps a run due during the start): " + RUNS);
        assertEquals(0, runsBetween("skipped", missedFrom, restartedAt), "skipped: " + RUNS);
    }

    /** The schedule's runs belong to no user: one named like their owner cannot read or cancel them. */
    @Test
    void aUserNamedLikeTheSchedulesOwnerDoesNotOwnItsRuns() {
        config.putAll(TestUsers.config(true, List.of("ada", TaskEngine.SCHEDULER)));
        Node node = tickingNode(site(), "p01");
        Eventually.await(Duration.ofSeconds(30), "a run", () -> !RUNS.isEmpty());
        Browser admin = new Browser(node.uri());
        assertEquals(200, admin.login("ada", TestUsers.PASSWORD).status());
        String jobId = admin.get("/_/admin/state").json().path("jobs").path("list").get(0).path("job_id").asText();
        Browser named = new Browser(node.uri());
        assertEquals(200, named.login(TaskEngine.SCHEDULER, TestUsers.PASSWORD).status());
        assertEquals(404, named.get("/_/jobs/" + jobId).status(), "not its job");
        assertEquals(404, named.send(HttpRequest.newBuilder(node.uri().resolve("/_/jobs/" + jobId)).DELETE()).status());
        assertEquals(200, admin.get("/_/jobs/" + jobId).status(), "an admin's");
    }

    private NatsSite site() {
        NatsSite site = new NatsSite(nats, config);
        sites.add(site);
        return site;
    }

    private void schedule(int index, String name, String label, String missed) {
        String key = "resident.tasks.schedule." + index + ".";
        config.put(key + "name", name);
        config.put(key + "task", "probe.tick");
        config.put(key + "cron", "* * * * * ?");
        config.put(key + "zone", "Europe/Rome");
        config.put(key + "params", "{\"label\":\"" + label + "\"}");
        config.put(key + "missed", missed);
    }

    private static Node tickingNode(NatsSite site, String process) {
        return site.start(process, resident -> resident.taskTypes().register(TaskType.builder("probe.tick",
                (params, context) -> {
                    assertEquals(TaskEngine.SCHEDULER, context.user());
                    RUNS.add(new Run(params.string("scheduled_at"), params.string("label"), process));
                    return null;
                }).build()));
    }

    private static long count(String label) {
        return RUNS.stream().filter(run -> run.label().equals(label)).count();
    }

    /** Runs of {@code label} due after {@code from} and at or before {@code to}. */
    private static long runsBetween(String label, Instant from, Instant to) {
        return RUNS.stream().filter(run -> run.label().equals(label))
                .map(run -> Instant.parse(run.due()))
                .filter(due -> due.isAfter(from) && !due.isAfter(to))
                .count();
    }

    private static long distinctDueTimes() {
        return RUNS.stream().map(Run::due).distinct().count();
    }

    private record Run(String due, String label, String process) {
    }
}
