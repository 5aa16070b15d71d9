package dev.resident.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Params;
import dev.resident.support.BenchJobs;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.ResidentProcess;
import dev.resident.support.SocketClient;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.resident.task.TaskSite.WAIT;
import static dev.resident.task.TaskSite.job;
import static dev.resident.task.TaskSite.withWorkers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks through a real nats-server with JetStream, the site's queue: the users' jobs taken in turn
 * and counted site-wide (queued, submitted, results' bytes), cancel across processes (also while a
 * job's worker is dead), malformed messages and an earlier version's stream, and the fallback when
 * NATS is down. (Workers that die or stop: {@link NatsTaskRedeliveryTest}.)
 */
@Tag("slow")
@Timeout(120)
class NatsTaskQueueTest {
    /** This case's site: a nats-server of its own, started with the case. */
    private final TaskSite tasks = new TaskSite();

    @AfterEach
    void stop() throws Exception {
        tasks.close();
    }

    @Test
    void aJobCancelledWhileItsWorkerIsDeadNeverRunsAgain() {
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0")).start("p01");
        ResidentProcess dying = tasks.worker("p02");
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = job(browser, pageId, 300, 100);
        JobFrames.firstProgress(socket, jobId, WAIT);
        dying.kill();
        assertEquals(200, delete(browser, jobId).status(), "its state still says running");
        tasks.site(Map.of("resident.tasks.workers", "1")).start("p03");
        List<JsonNode> rest = JobFrames.untilFinished(socket, jobId, WAIT);
        assertEquals("cancelled", last(rest).path("state").asText(), rest.toString());
        assertEquals(0, rest.stream().filter(m -> m.path("attempt").asInt() > 1 && m.path("state").asText().equals("running"))
                .count(), "the redelivered job did not run: " + rest);
    }

    @Test
    void aMalformedMessageOnTheStreamIsDroppedAndCounted() throws Exception {
        Node node = tasks.site(Map.of("resident.tasks.workers", "1")).start("p01");
        Browser browser = node.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        assertEquals("done", last(JobFrames.untilFinished(socket, job(browser, pageId, 1, 0), WAIT)).path("state").asText());
        try (Connection raw = Nats.connect(tasks.nats().url())) {
            raw.jetStream().publish(tasks.prefix() + ".task.turn.3.x", "not a job".getBytes(StandardCharsets.UTF_8));
            raw.jetStream().publish(tasks.prefix() + ".task.turn.3.x", "{\"job_id\":1}".getBytes(StandardCharsets.UTF_8));
        }
        Eventually.await(WAIT, "both dropped and counted", () -> node.counter("resident_tasks_malformed_total") >= 2);
        assertEquals("done", last(JobFrames.untilFinished(socket, job(browser, pageId, 1, 0), WAIT)).path("state").asText(),
                "the queue goes on");
    }

    /**
     * The site's workers take the users' jobs in turn, as a process's own queue does: carol's job
     * runs after the one of bob's that was running when she submitted it, not after all of bob's
     * (the stream taken in its own order ran them all first). Bob and carol hash to different
     * turns (17 and 10 of 32).
     */
    @Test
    void theSitesWorkersTakeTheUsersJobsInTurn() {
        Map<String, String> five = Map.of("resident.tasks.workers", "0", "resident.tasks.max-jobs-per-user", "5");
        Node pages = tasks.site(five).start("p01");
        Browser bob = pages.browser();
        assertEquals(200, bob.login("bob", "bob").status());
        String bobsPage = bob.benchPage();
        List<String> bobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bobs.add(job(bob, bobsPage, 600, 50));
        }
        tasks.site(withWorkers(five, "1")).start("p02"); // the site's only worker
        Eventually.await(WAIT, "bob's first job runs", () -> "running".equals(state(bob, bobs.get(0))));
        Browser carol = pages.browser();
        assertEquals(200, carol.login("carol", "carol").status());
        String carols = job(carol, carol.benchPage(), 600, 50);

        assertEquals(200, delete(bob, bobs.get(0)).status());
        Eventually.await(WAIT, "carol's job runs next",
                () -> "carol's " + state(carol, carols) + ", bob's second " + state(bob, bobs.get(1)),
                () -> "running".equals(state(carol, carols)));
        assertEquals("queued", state(bob, bobs.get(1)), "bob's second waits for carol's turn");
        assertEquals(200, delete(carol, carols).status());
        Eventually.await(WAIT, "then bob's second", () -> "running".equals(state(bob, bobs.get(1))));
        bobs.subList(1, 4).forEach(job -> delete(bob, job));
    }

    /**
     * Jobs queued by an earlier version, on its one stream ({@code <P>_tasks}, consumer {@code
     * workers}), still run once this version's processes take over the site (blue/green).
     */
    @Test
    void aJobQueuedByAnEarlierVersionStillRuns() throws Exception {
        String earlier = tasks.prefix().replaceAll("[^A-Za-z0-9_-]", "_") + "_tasks";
        try (Connection raw = Nats.connect(tasks.nats().url())) {
            JetStreamManagement jsm = raw.jetStreamManagement();
            jsm.addStream(StreamConfiguration.builder().name(earlier)
                    .subjects(tasks.prefix() + ".task.queue", tasks.prefix() + ".task.queue.*")
                    .retentionPolicy(RetentionPolicy.WorkQueue).storageType(StorageType.Memory).build());
            jsm.addOrUpdateConsumer(earlier, ConsumerConfiguration.builder().durable("workers")
                    .ackPolicy(AckPolicy.Explicit).build());
            Node node = tasks.site(Map.of("resident.tasks.workers", "1")).start("p01");
            Browser bob = node.browser();
            assertEquals(200, bob.login("bob", "bob").status());
            String pageId = bob.benchPage();
            SocketClient socket = bob.socket(pageId);
            socket.next("hello");
            String jobId = dev.resident.id.Ids.newId();
            raw.jetStream().publish(tasks.prefix() + ".task.queue.bob", Json.object().put("job_id", jobId)
                    .put("type", "_bench.job").put("user", "bob").put("quota", "bob").put("page_id", pageId)
                    .put("submitted_at", System.currentTimeMillis())
                    .set("params", Json.object().put("steps", 2).put("step_ms", 0)).toString()
                    .getBytes(StandardCharsets.UTF_8));
            JsonNode done = last(JobFrames.untilFinished(socket, jobId, WAIT));
            assertEquals("done", done.path("state").asText(), done.toString());
            assertEquals(2, done.path("result").path("steps").asInt());
            Eventually.await(WAIT, "acknowledged: gone from the earlier stream",
                    () -> messages(jsm, earlier) == 0);
            assertEquals("done", last(JobFrames.untilFinished(socket, job(bob, pageId, 1, 0), WAIT)).path("state").asText(),
                    "and this version's own queue works beside it");
        }
    }

    private static long messages(JetStreamManagement jsm, String stream) {
        try {
            return jsm.getStreamInfo(stream).getStreamState().getMsgCount();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String state(Browser browser, String jobId) {
        return browser.get("/_/jobs/" + jobId).json().path("state").asText();
    }

    /**
     * One user's jobs queued or running are capped site-wide by the stream itself (one subject a
     * user): on any process, past the cap the user gets 429 while another user's job is taken; once
     * the user's jobs have run, the user may submit again.
     */
    @Test
    void oneUsersJobsAreCappedAcrossTheSite() {
        Map<String, String> capped = Map.of("resident.tasks.workers", "0", "resident.tasks.max-jobs-per-user", "2");
        Node first = tasks.site(capped).start("p01");
        Node second = tasks.site(capped).start("p02");
        Browser user = first.browser();
        assertEquals(200, user.login("bob", "bob").status());
        String pageId = user.benchPage();
        job(user, pageId, 1, 0);
        job(user, pageId, 1, 0);
        Reply third = user.rpc(pageId, "job", Json.object().put("steps", 1).put("step_ms", 0), null);
        assertEquals(429, third.status(), third.body());
        assertEquals("rate_limited", third.errorCode());

        Browser sameUserElsewhere = second.browser();
        assertEquals(200, sameUserElsewhere.login("bob", "bob").status());
        String otherPage = sameUserElsewhere.benchPage();
        assertEquals(429, sameUserElsewhere.rpc(otherPage, "job", Json.object().put("steps", 1), null).status(),
                "the same user on another process");
        Browser someoneElse = second.browser();
        job(someoneElse, someoneElse.benchPage(), 1, 0);

        tasks.site(Map.of("resident.tasks.workers", "1", "resident.tasks.max-jobs-per-user", "2")).start("p03");
        Eventually.await(WAIT, "the user's jobs ran, and its places came back",
                () -> user.rpc(pageId, "job", Json.object().put("steps", 1).put("step_ms", 0), null).status() == 200);
    }

    /**
     * A cancelled queued job is taken off the site's stream at once, from whichever process the
     * cancel reaches: its place comes back without waiting for a worker to reach it.
     */
    @Test
    void aCancelledQueuedJobGivesItsPlaceBackAtOnce() throws Exception {
        Map<String, String> capped = Map.of("resident.tasks.workers", "0", "resident.tasks.max-jobs-per-user", "2");
        Node first = tasks.site(capped).start("p01");
        Node second = tasks.site(capped).start("p02");
        Browser bob = first.browser();
        assertEquals(200, bob.login("bob", "bob").status());
        String pageId = bob.benchPage();
        String cancelled = job(bob, pageId, 1, 0);
        job(bob, pageId, 1, 0);
        assertEquals(429, bob.rpc(pageId, "job", Json.object().put("steps", 1), null).status());

        Browser bobElsewhere = second.browser();
        assertEquals(200, bobElsewhere.login("bob", "bob").status());
        assertEquals(200, delete(bobElsewhere, cancelled).status());
        job(bob, pageId, 1, 0); // no worker runs anywhere: only the withdrawal gave this place back
        assertEquals(429, bob.rpc(pageId, "job", Json.object().put("steps", 1), null).status(), "still two at most");
        try (Connection raw = Nats.connect(tasks.nats().url())) {
            assertEquals(2, raw.jetStreamManagement().getStreamInfo(stream()).getStreamState().getMsgCount(),
                    "the cancelled job's message is gone from the stream");
        }
    }

    /**
     * Job records live in JetStream beside the sessions: their bucket has a bound of its own
     * ({@code max-store-bytes}), so large results cannot fill the storage the logins need. A job
     * whose end does not fit ends failed; the site goes on.
     */
    @Test
    void largeResultsStayWithinTheJobStoresBytesAndTheSiteGoesOn() throws Exception {
        int bound = 200_000;
        Node node = tasks.site(Map.of("resident.tasks.workers", "1", "resident.tasks.max-result", "90000",
                "resident.tasks.max-store-bytes", Integer.toString(bound))).start("p01");
        Browser browser = node.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        List<String> states = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Reply submitted = browser.rpc(pageId, "job", Json.object().put("steps", 1).put("result_bytes", 80_000), null);
            assertEquals(200, submitted.status(), submitted.body());
            JsonNode end = last(JobFrames.untilFinished(socket, submitted.json().path("result").path("job_id").asText(), WAIT));
            states.add(end.path("state").asText() + (end.has("error") ? " " + end.path("error").path("code").asText() : ""));
        }
        assertEquals(List.of("done", "done", "failed result_not_kept"), states);
        try (Connection raw = Nats.connect(tasks.nats().url())) {
            assertEquals(bound, raw.jetStreamManagement().getStreamInfo("KV_" + bucket()).getConfiguration().getMaxBytes());
            long bytes = raw.jetStreamManagement().getStreamInfo("KV_" + bucket()).getStreamState().getByteCount();
            assertTrue(bytes <= bound, bytes + " bytes of job records");
        }
        assertEquals(200, node.browser().login("bob", "bob").status(), "logins are still stored");
        assertEquals("done", last(JobFrames.untilFinished(socket, job(browser, pageId, 1, 0), WAIT)).path("state").asText(),
                "a small job still runs");
    }

    @Test
    void oneUsersResultsTakeOnlyTheirShareOfTheSitesJobStore() {
        Map<String, String> config = Map.of("resident.tasks.workers", "1", "resident.tasks.max-result", "90000",
                "resident.tasks.max-result-bytes-per-user", "200000");
        Node p01 = tasks.site(config).start("p01");
        Node p02 = tasks.site(config).start("p02");
        Browser alice = p01.browser();
        assertEquals(200, alice.login("alice", "alice").status());
        assertEquals(List.of("done", "done"), BenchJobs.endsWithResultsOf(alice, 2, 80_000));
        Browser aliceElsewhere = p02.browser();
        assertEquals(200, aliceElsewhere.login("alice", "alice").status());
        assertEquals(List.of("failed result_not_kept"), BenchJobs.endsWithResultsOf(aliceElsewhere, 1, 80_000),
                "her share is the site's, whichever process runs her job");
        Browser bob = p02.browser();
        assertEquals(200, bob.login("bob", "bob").status());
        assertEquals(List.of("done"), BenchJobs.endsWithResultsOf(bob, 1, 80_000), "his is kept");
        // a guest is a new user with every session: guests of one address take one share, as their queued jobs do
        assertEquals(List.of("done", "done"), BenchJobs.endsWithResultsOf(p01.browser(), 2, 80_000));
        assertEquals(List.of("failed result_not_kept"), BenchJobs.endsWithResultsOf(p02.browser(), 1, 80_000),
                "another guest of the same address");
    }

    /**
     * A user's submits within {@code keep-finished} are counted for the site, whichever process
     * takes them: past {@code max-jobs-per-user-per-window} 429 on every process, while another user
     * still submits.
     */
    @Test
    void oneUsersSubmitsAreCountedAcrossTheSite() {
        Map<String, String> config = Map.of("resident.tasks.workers", "1", "resident.tasks.max-jobs-per-user", "3",
                "resident.tasks.max-jobs-per-user-per-window", "3");
        Node p01 = tasks.site(config).start("p01");
        Node p02 = tasks.site(config).start("p02");
        Browser bob = p01.browser();
        assertEquals(200, bob.login("bob", "bob").status());
        String pageId = bob.benchPage();
        endedJob(bob, pageId);
        endedJob(bob, pageId);
        Browser bobElsewhere = p02.browser();
        assertEquals(200, bobElsewhere.login("bob", "bob").status());
        String otherPage = bobElsewhere.benchPage();
        endedJob(bobElsewhere, otherPage);
        for (Browser browser : List.of(bobElsewhere, bob)) {
            Reply refused = browser.rpc(browser == bob ? pageId : otherPage, "job",
                    Json.object().put("steps", 1).put("step_ms", 0), null);
            assertEquals(429, refused.status(), refused.body());
            assertEquals("rate_limited", refused.errorCode());
            assertTrue(refused.body().contains("max-jobs-per-user-per-window"), refused.body());
        }
        Browser carol = p02.browser();
        assertEquals(200, carol.login("carol", "carol").status());
        endedJob(carol, carol.benchPage());
    }

    /** Submits a quick bench job and waits for its end. */
    private static void endedJob(Browser browser, String pageId) {
        String jobId = job(browser, pageId, 1, 0);
        Eventually.await(WAIT, jobId + " done",
                () -> browser.get("/_/jobs/" + jobId).json().path("state").asText().equals("done"));
    }

    /** The name of the site's job stream, as JetStreamNames makes it. */
    private String stream() {
        return tasks.prefix().replaceAll("[^A-Za-z0-9_-]", "_") + "_queue";
    }

    /** The name of the site's job bucket, as JetStreamNames makes it. */
    private String bucket() {
        return tasks.prefix().replaceAll("[^A-Za-z0-9_-]", "_") + "_jobs";
    }

    @Test
    void cancelReachesAJobRunningInAnotherProcessAndAQueuedJobNeverRuns() {
        Node pages = tasks.site(Map.of("resident.tasks.workers", "0")).start("p01");
        Browser browser = pages.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");

        String queued = job(browser, pageId, 5, 10);
        assertEquals("queued", JobFrames.next(socket, queued, WAIT).path("state").asText());
        Eventually.await(WAIT, "the queued job counted", () -> pages.counter("resident_tasks_queued") == 1);
        assertEquals(200, delete(browser, queued).status());
        assertEquals("cancelled", JobFrames.next(socket, queued, WAIT).path("state").asText());

        tasks.site(Map.of("resident.tasks.workers", "1")).start("p02");
        String running = job(browser, pageId, 300, 100);
        JsonNode started;
        do {
            started = JobFrames.next(socket, running, WAIT);
        } while (!started.path("state").asText().equals("running"));
        assertEquals(200, delete(browser, running).status());
        List<JsonNode> rest = JobFrames.untilFinished(socket, running, WAIT);
        assertEquals("cancelled", rest.get(rest.size() - 1).path("state").asText());
        assertEquals("cancelled", browser.get("/_/jobs/" + queued).json().path("state").asText());
        assertEquals(0, browser.get("/_/jobs/" + queued).json().path("attempt").asInt(), "the queued job never ran");
        assertEquals(409, delete(browser, running).status());
    }

    @Test
    void withNatsDownSubmitFallsBackToTheLocalQueueOrAnswersTasksUnavailable() {
        Node local = tasks.site(Map.of("resident.tasks.workers", "1", "resident.tasks.fallback", "local")).start("p01");
        Node reject = tasks.site(Map.of("resident.tasks.workers", "1", "resident.tasks.fallback", "reject")).start("p02");
        Browser onLocal = local.browser();
        String localPage = onLocal.benchPage();
        SocketClient socket = onLocal.socket(localPage);
        socket.next("hello");
        Browser onReject = reject.browser();
        String rejectPage = onReject.benchPage();
        String viaNats = job(onLocal, localPage, 1, 0);
        assertEquals("done", last(JobFrames.untilFinished(socket, viaNats, WAIT)).path("state").asText());

        tasks.nats().stop();
        long started = System.nanoTime();
        String fallback = job(onLocal, localPage, 2, 10);
        assertEquals("done", last(JobFrames.untilFinished(socket, fallback, WAIT)).path("state").asText());
        Reply refused = onReject.rpc(rejectPage, "job", Json.object().put("steps", 1), null);
        assertEquals(500, refused.status(), refused.body());
        assertEquals("tasks_unavailable", refused.errorCode(), "not unavailable: the method ran up to its submit");
        assertNull(refused.header("retry-after"), "nothing invites a client or proxy to send it again");
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(10).toNanos(), "no hang");
        assertTrue(local.counter("resident_tasks_fallback_total") >= 1);
        Eventually.await(WAIT, "the site's queue not counted while NATS is away (NaN, not the last count)",
                () -> Double.isNaN(local.counter("resident_tasks_queued")));
    }

    /**
     * While NATS is away (a restart), the site's job records cannot be read: a job's state is
     * answered 503, which resident.js asks again, not 404 {@code unknown_job}, which told a page
     * checking its job after a resync that the job was gone for good (its {@code page.job()}
     * rejected while the job went on), and a user cancelling it that there was nothing to cancel.
     */
    @Test
    void whileNatsIsAwayAJobsStateIsUnavailableNotUnknown() {
        Node node = tasks.site(Map.of("resident.tasks.workers", "1")).start("p01");
        Browser browser = node.browser();
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = job(browser, pageId, 1, 0);
        assertEquals("done", last(JobFrames.untilFinished(socket, jobId, WAIT)).path("state").asText());
        tasks.nats().stop();
        Reply status = browser.get("/_/jobs/" + jobId);
        assertEquals(503, status.status(), status.body());
        assertEquals("unavailable", status.errorCode());
        Reply cancel = delete(browser, jobId);
        assertEquals(503, cancel.status(), cancel.body());
    }

    /**
     * A page method that follows a job while NATS is away may have run up to there (here it counted
     * the resume in its data): like a submit's, its refusal is 500 {@code tasks_unavailable}, not 503
     * {@code unavailable}, which resident.js sends again by itself, running the method's first half twice.
     */
    @Test
    void aFollowWhileNatsIsAwayIsNotAnsweredAsACallThatDidNotRun() {
        PageTypes types = new PageTypes().register(PageType.builder("/resume", (Page page, Params params) -> page)
                .method("resume", (page, params) -> {
                    page.data().set("resumed", page.data().get("resumed") == null ? 1 : page.data().get("resumed").asInt() + 1);
                    return page.followJob(params.string("job_id"));
                })
                .build());
        Node node = tasks.site(Map.of("resident.tasks.workers", "1")).start("p01", types);
        Browser browser = node.browser();
        String benchPage = browser.benchPage();
        SocketClient socket = browser.socket(benchPage);
        socket.next("hello");
        String jobId = job(browser, benchPage, 1, 0);
        assertEquals("done", last(JobFrames.untilFinished(socket, jobId, WAIT)).path("state").asText());
        String resumePage = browser.openPage("/resume", null).get("page_id").asText();
        tasks.nats().stop();
        Reply refused = browser.rpc(resumePage, "resume", Json.object().put("job_id", jobId), null);
        assertEquals(500, refused.status(), refused.body());
        assertEquals("tasks_unavailable", refused.errorCode(), "not unavailable: the method ran up to its follow");
        assertNull(refused.header("retry-after"), "nothing invites a client or proxy to send it again");
    }

    private static Reply delete(Browser browser, String jobId) {
        return browser.send(HttpRequest.newBuilder(browser.base().resolve("/_/jobs/" + jobId)).DELETE());
    }

    private static JsonNode last(List<JsonNode> messages) {
        return messages.get(messages.size() - 1);
    }
}
