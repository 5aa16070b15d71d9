package dev.resident.task;

import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.task.engine.TaskEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.Instant;
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
@Timeout(90)
class NatsScheduleTest {
    private static final Queue<Run> RUNS = new ConcurrentLinkedQueue<>();
    private NatsTestServer nats;
    private NatsSite site;

    @BeforeEach
    void start() {
        RUNS.clear();
        nats = new NatsTestServer("-js");
        Map<String, String> config = new HashMap<>();
        config.put("ipc.nats.prefix", "sched-" + UUID.randomUUID().toString().substring(0, 8));
        config.put("resident.tasks.workers", "1");
        config.put("resident.tasks.schedule.0.name", "tick");
        config.put("resident.tasks.schedule.0.task", "probe.tick");
        config.put("resident.tasks.schedule.0.cron", "* * * * * ?");
        config.put("resident.tasks.schedule.0.zone", "Europe/Rome");
        config.put("resident.tasks.schedule.0.params", "{\"label\":\"every second\"}");
        site = new NatsSite(nats, config);
    }

    @AfterEach
    void stop() {
        site.close();
        nats.close();
    }

    @Test
    void aScheduleOnTwoProcessesRunsEachDueTimeExactlyOnce() {
        Node a = tickingNode("p01");
        Node b = tickingNode("p02");
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
        String state = a.browser().get("/observe/metrics").body();
        assertTrue(state.contains("resident_tasks_completed_total"), "counted");
        assertTrue(b.ready());
    }

    private Node tickingNode(String process) {
        Node node = site.start(process);
        node.resident().taskTypes().register(TaskType.builder("probe.tick", (params, context) -> {
            assertEquals(TaskEngine.SCHEDULER, context.user());
            RUNS.add(new Run(params.string("scheduled_at"), params.string("label"), process));
            return null;
        }).build());
        return node;
    }

    private static long distinctDueTimes() {
        return RUNS.stream().map(Run::due).distinct().count();
    }

    private record Run(String due, String label, String process) {
    }
}
