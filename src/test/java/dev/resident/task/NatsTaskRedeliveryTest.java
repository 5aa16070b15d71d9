package dev.resident.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.bench.BenchPage;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.ResidentProcess;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.resident.task.TaskSite.WAIT;
import static dev.resident.task.TaskSite.job;
import static dev.resident.task.TaskSite.withWorkers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks through a real nats-server with JetStream, run by workers in other processes (child JVMs of
 * the real Main) that die or stop: a job goes to another worker after a kill -9, at once after a
 * stop, and ends failed once its deliveries are used up. (The site's queue: {@link NatsTaskQueueTest}.)
 */
@Tag("slow")
@Timeout(120)
class NatsTaskRedeliveryTest {
    /** This case's site: a nats-server of its own, started with the case. */
    private final TaskSite tasks = new TaskSite();

    @AfterEach
    void stop() throws Exception {
        tasks.close();
    }

    @Test
    void aJobWhoseWorkerIsKilledCompletesOnAnotherWorkerAndThePageSeesDoneOnce() {
        // a worker's signs of life come every ack wait's quarter: 6 s leaves it 4.5 s of stall on a
        // loaded machine before NATS gives its job away
        String ackWait = "6s";
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0", "resident.tasks.ack-wait", ackWait)).start("p01");
        ResidentProcess first = tasks.worker("p02", "", ackWait);
        ResidentProcess second = tasks.worker("p03", "", ackWait);
        Browser onWorker = new Browser(first.uri());
        Eventually.await(Duration.ofSeconds(30), "a worker has health",
                () -> onWorker.get("/observe/health/ready").status() == 200);
        assertTrue(new Observe(first.uri()).text().contains("resident_tasks_running"), "and metrics");
        assertEquals(404, onWorker.post("/_/pages", "{\"path\":\"/_bench\"}").status(), "but no pages");
        try (RawHttp slow = new RawHttp(first.uri())) { // its port is watched as a page process's is
            slow.send("GET /observe/health/live HTTP/1.1\r\nHost: x\r\n");
            assertTrue(slow.closedWithoutMore(Duration.ofSeconds(10)), "a head not complete within 1 s is cut");
        }
        Eventually.await(Duration.ofSeconds(30), "the other worker has health",
                () -> new Browser(second.uri()).get("/observe/health/ready").status() == 200);
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        // both workers are up before it is queued: whichever runs it is killed, the other takes it
        String jobId = job(browser, pageId, 80, 100);

        JsonNode progress;
        do {
            progress = JobFrames.next(socket, jobId, WAIT);
        } while (progress.path("progress").path("done").asLong() < 3);
        assertEquals(1, progress.path("attempt").asInt(), "its first run");
        boolean onFirst = new Observe(first.uri()).metric("resident_tasks_running") == 1;
        ResidentProcess runner = onFirst ? first : second;
        ResidentProcess other = onFirst ? second : first;
        assertEquals(1, new Observe(runner.uri()).metric("resident_tasks_running"), "one worker runs it");
        assertEquals(0, new Observe(other.uri()).metric("resident_tasks_running"), "the other runs nothing");
        assertEquals(1, browser.get("/_/jobs/" + jobId).json().path("attempt").asInt(), "still its first run");
        runner.kill();
        List<JsonNode> rest = JobFrames.untilFinished(socket, jobId, WAIT);
        JsonNode done = rest.get(rest.size() - 1);
        assertEquals("done", done.path("state").asText(), rest.toString());
        assertEquals(80, done.path("result").path("steps").asInt());
        assertEquals(2, done.path("attempt").asInt(), "redelivered to the other worker: " + rest);
        assertEquals(1, JobFrames.count(rest, "done"));
        assertTrue(rest.stream().anyMatch(m -> m.path("attempt").asInt() == 2 && m.path("state").asText().equals("running")));
        assertEquals("done", browser.get("/_/jobs/" + jobId).json().path("state").asText());
        // nothing more about it: the second run was acknowledged, no third run comes
        socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "echo"));
        JsonNode next;
        do {
            next = socket.next();
        } while (!"result".equals(next.path("t").asText()));
        assertEquals(0, socket.pending());
        assertTrue(other.alive());
    }

    @Test
    void aJobWhoseWorkerIsStoppedGoesToAnotherWorkerWithoutWaitingOutItsAckWait() {
        String ackWait = "120s"; // longer than the test waits: only the stopped worker's hand-back brings it back
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0", "resident.tasks.ack-wait", ackWait)).start("p01");
        ResidentProcess first = tasks.worker("p02", "", ackWait);
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = job(browser, pageId, 150, 100);
        JsonNode progress;
        do {
            progress = JobFrames.next(socket, jobId, WAIT);
        } while (progress.path("progress").path("done").asLong() < 2);
        assertEquals(1, progress.path("attempt").asInt(), "the first worker runs it");
        ResidentProcess second = tasks.worker("p03", "", ackWait);
        Eventually.await(WAIT, "the second worker is up",
                () -> new Browser(second.uri()).get("/observe/health/ready").status() == 200);
        first.stop(); // a deploy: SIGTERM
        do {
            progress = JobFrames.next(socket, jobId, WAIT);
        } while (progress.path("attempt").asInt() < 2);
        assertEquals("running", progress.path("state").asText(), "taken by the second worker at once: " + progress);
    }

    /**
     * A deploy stops a worker whose task waits on I/O (a JDBC query, an HTTP call): the stop
     * interrupts it, and the blocking read fails with the library's own exception (here the
     * socket's "Closed by interrupt"), not an InterruptedException. The job is still handed back
     * at once and runs on another worker, instead of waiting out its ack wait on no worker.
     */
    @Test
    void aJobWaitingOnIoWhenItsWorkerIsStoppedGoesToAnotherWorkerAtOnce() throws Exception {
        stopTheWorkerOf(slowDatabase -> {
            try (Socket query = new Socket(InetAddress.getLoopbackAddress(), slowDatabase.getLocalPort())) {
                return query.getInputStream().read(); // a query that has not answered yet
            }
        });
    }

    /**
     * The same with a task (or a library under it) that wraps the InterruptedException in an
     * exception of its own: the job goes to another worker, instead of ending failed with an
     * internal error for its user.
     */
    @Test
    void aJobWhoseTaskWrapsTheStopsInterruptGoesToAnotherWorkerInsteadOfFailing() throws Exception {
        stopTheWorkerOf(slowDatabase -> {
            try (Socket query = new Socket(InetAddress.getLoopbackAddress(), slowDatabase.getLocalPort())) {
                new CountDownLatch(1).await(); // waits for good, as a query with a lock held elsewhere
                return null;
            } catch (InterruptedException e) {
                throw new IllegalStateException("the query was interrupted", e);
            }
        });
    }

    /**
     * A task that takes the stop's interrupt as its cue to end (it keeps the thread's interrupt
     * flag, as it should, and returns what it has) ends its job done at once, on its first worker:
     * before, its end could not be recorded from the interrupted thread, and the job waited out its
     * ack wait on no worker and then ran again.
     */
    @Test
    void aTaskThatReturnsWhenTheStopInterruptsItEndsItsJobDone() throws Exception {
        Map<String, String> config = Map.of("resident.tasks.ack-wait", "120s", "resident.bench-pages", "false");
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0", "resident.tasks.ack-wait", "120s")).start("p01");
        CountDownLatch running = new CountDownLatch(1);
        Node worker = tasks.site(withWorkers(config, "1")).start("p02", resident -> resident.taskTypes().register(
                TaskType.builder(BenchPage.JOB_TASK, (params, context) -> {
                    running.countDown();
                    try {
                        new CountDownLatch(1).await(); // its work, until the stop
                        return Map.of("steps", 1);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // keeps the flag for whoever runs it
                        return Map.of("steps", 0, "stopped", true);
                    }
                }).build()));
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = job(browser, pageId, 1, 0);
        assertTrue(running.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the task runs");
        worker.server().stop(); // a deploy
        worker.resident().close();

        List<JsonNode> messages = JobFrames.untilFinished(socket, jobId, WAIT);
        JsonNode end = messages.get(messages.size() - 1);
        assertEquals("done", end.path("state").asText(), messages.toString());
        assertEquals(1, end.path("attempt").asInt(), messages.toString());
        assertTrue(end.path("result").path("stopped").asBoolean(), messages.toString());
    }

    /**
     * Runs a bench job on a worker whose task is {@code blocking} (with the address of a database
     * that accepts and never answers), stops that worker once the task is connected, and expects
     * the job done by another worker; the ack wait is longer than the test waits.
     */
    private void stopTheWorkerOf(BlockingTask blocking) throws Exception {
        Map<String, String> config = Map.of("resident.tasks.ack-wait", "120s", "resident.bench-pages", "false");
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0", "resident.tasks.ack-wait", "120s")).start("p01");
        try (ServerSocket slowDatabase = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Node first = tasks.site(withWorkers(config, "1")).start("p02", resident -> resident.taskTypes().register(
                    TaskType.builder(BenchPage.JOB_TASK, (params, context) -> blocking.run(slowDatabase)).build()));
            Browser browser = pages.browser();
            String pageId = browser.benchPage();
            SocketClient socket = browser.socket(pageId);
            socket.next("hello");
            String jobId = job(browser, pageId, 1, 0);
            try (Socket query = slowDatabase.accept()) { // the task waits on its query now
                tasks.site(withWorkers(config, "1")).start("p03", resident -> resident.taskTypes().register(
                        TaskType.builder(BenchPage.JOB_TASK, (params, context) -> Map.of("steps", 1)).build()));
                first.server().stop(); // a deploy
                first.resident().close();
                List<JsonNode> messages = JobFrames.untilFinished(socket, jobId, WAIT);
                JsonNode end = messages.get(messages.size() - 1);
                assertEquals("done", end.path("state").asText(), "handed back, not failed: " + messages);
                assertEquals(2, end.path("attempt").asInt(), messages.toString());
            }
        }
    }

    /** A task that waits on a database at {@code slowDatabase}. */
    private interface BlockingTask {
        Object run(ServerSocket slowDatabase) throws Exception;
    }

    /**
     * A job whose task ends while NATS restarts: its end cannot be recorded at once. It is recorded
     * once NATS is back (within the ack wait) and the job is acknowledged; before, the worker gave
     * up at once and left the job for redelivery, and its task (a mailing, an export) ran again.
     */
    @Test
    void aJobEndingWhileNatsRestartsIsRecordedWhenItIsBackAndNotRunAgain() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0", "resident.tasks.ack-wait", "30s")).start("p01");
        tasks.site(Map.of("resident.tasks.workers", "1", "resident.tasks.ack-wait", "30s", "resident.bench-pages", "false"))
                .start("p02", resident -> resident.taskTypes().register(TaskType.builder(BenchPage.JOB_TASK,
                        (params, context) -> {
                            runs.incrementAndGet();
                            release.await();
                            return Map.of("steps", 1);
                        }).build()));
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = job(browser, pageId, 1, 0);
        JsonNode running;
        do {
            running = JobFrames.next(socket, jobId, WAIT);
        } while (!running.path("state").asText().equals("running"));
        tasks.nats().stop();
        release.countDown(); // the task ends while NATS is away
        tasks.nats().restart();
        Eventually.await(WAIT, "the job's end recorded",
                () -> JobFrames.finished(browser.get("/_/jobs/" + jobId).json()));
        JsonNode done = browser.get("/_/jobs/" + jobId).json();
        assertEquals("done", done.path("state").asText(), done.toString());
        assertEquals(1, done.path("attempt").asInt(), "its first run's end: " + done);
        assertEquals(1, runs.get(), "the task ran once");
    }

    @Test
    void aJobWhoseWorkersKeepDyingEndsFailedAfterTheMaximumOfDeliveries() {
        Map<String, String> oneRun = Map.of("resident.tasks.max-deliveries", "1");
        Node pages = tasks.site(withWorkers(oneRun, "0")).start("p01");
        ResidentProcess doomed = tasks.worker("p02", "    max-deliveries: 1\n");
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = job(browser, pageId, 300, 100);
        JobFrames.firstProgress(socket, jobId, WAIT);
        doomed.kill();
        tasks.site(withWorkers(oneRun, "1")).start("p03");
        List<JsonNode> rest = JobFrames.untilFinished(socket, jobId, WAIT);
        JsonNode failed = rest.get(rest.size() - 1);
        assertEquals("failed", failed.path("state").asText(), rest.toString());
        assertEquals("too_many_attempts", failed.path("error").path("code").asText());
        assertEquals(0, JobFrames.count(rest, "done"));
    }
}
