package dev.resident.task;

import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import dev.resident.support.ResidentProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The site of a {@code NatsTask*Test} case: a nats-server of its own with JetStream, a subject prefix
 * of its own, processes in this JVM ({@link NatsSite}) and worker-only child JVMs of the real
 * {@code Main} on it, all closed with it (the last started first); and the bench page's job calls.
 */
final class TaskSite implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    /** The ack wait of the site's processes where a case sets none. */
    static final String ACK_WAIT = "2s";
    private final NatsTestServer nats = new NatsTestServer("-js");
    private final String prefix = "tasks-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> closing = new ArrayList<>();

    NatsTestServer nats() {
        return nats;
    }

    /** The site's subject prefix ({@code ipc.nats.prefix}). */
    String prefix() {
        return prefix;
    }

    /** Processes in this JVM with the site's prefix and {@code overrides}. */
    NatsSite site(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(overrides);
        config.put("ipc.nats.prefix", prefix);
        config.putIfAbsent("resident.tasks.ack-wait", ACK_WAIT);
        NatsSite site = new NatsSite(nats, config);
        closing.add(site);
        return site;
    }

    ResidentProcess worker(String process) {
        return worker(process, "");
    }

    /** A worker-only process: the real Main in a child JVM on the site's NATS; {@code tasks}: more YAML lines. */
    ResidentProcess worker(String process, String tasks) {
        return worker(process, tasks, ACK_WAIT);
    }

    ResidentProcess worker(String process, String tasks, String ackWait) {
        ResidentProcess worker = ResidentProcess.start(Map.of(
                        "IPC_BACKEND", "nats",
                        "NATS_URL", nats.url(),
                        "NATS_PREFIX", prefix,
                        "PROCESS_ID", process,
                        "BENCH_PAGES", "true", // the task type of /_bench job
                        "HEADER_TIMEOUT", "1s",
                        "TASK_WORKERS", "1"),
                "resident:\n  tasks:\n    ack-wait: " + ackWait + "\n" + tasks, "worker");
        closing.add(worker);
        return worker;
    }

    @Override
    public void close() throws Exception {
        try {
            for (int i = closing.size() - 1; i >= 0; i--) {
                closing.get(i).close();
            }
        } finally {
            nats.close();
        }
    }

    static Map<String, String> withWorkers(Map<String, String> config, String workers) {
        Map<String, String> all = new HashMap<>(config);
        all.put("resident.tasks.workers", workers);
        return all;
    }

    /** Submits a bench job of {@code steps} steps of {@code stepMs} each on the page; its id. */
    static String job(Browser browser, String pageId, int steps, int stepMs) {
        Reply reply = browser.rpc(pageId, "job", Json.object().put("steps", steps).put("step_ms", stepMs), null);
        assertEquals(200, reply.status(), reply.body());
        return reply.json().path("result").path("job_id").asText();
    }
}
