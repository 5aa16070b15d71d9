package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.BenchJobs;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.LogLines;
import dev.resident.support.Observe;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TaskProbe;
import dev.resident.support.TestServers;
import dev.resident.task.engine.JobRunner;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Background tasks on the in-process queue, through HTTP and the page socket. */
@ServerTest
@Timeout(60)
class TaskLocalTest {
    private static Resident resident;
    private final URI uri;

    TaskLocalTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TaskProbe.setup(server, Map.of(
                "resident.tasks.workers", "1",
                "resident.tasks.queue", "1",
                "resident.tasks.progress-per-second", "5",
                "resident.tasks.schedule.0.name", "nightly",
                "resident.tasks.schedule.0.task", "probe.chatty",
                "resident.tasks.schedule.0.cron", "0 30 2 * * ?",
                "resident.tasks.schedule.0.zone", "Europe/Rome"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void benchJobReportsQueuedRunningProgressThenDoneOnce() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        Reply reply = browser.rpc(pageId, "job", Json.object().put("steps", 4).put("step_ms", 30), null);
        assertEquals(200, reply.status(), reply.body());
        String jobId = reply.json().path("result").path("job_id").asText();

        List<JsonNode> messages = jobMessages(socket, jobId);
        assertEquals("queued", messages.get(0).get("state").asText());
        assertEquals("running", messages.get(1).get("state").asText());
        assertEquals(1, messages.get(1).get("attempt").asInt());
        JsonNode done = messages.get(messages.size() - 1);
        assertEquals("done", done.get("state").asText());
        assertEquals(4, done.path("result").path("steps").asInt());
        assertEquals(4, done.path("progress").path("done").asInt(), "the final message carries the last progress");
        assertEquals(1, messages.stream().filter(m -> m.get("state").asText().equals("done")).count());
        for (int i = 1; i < messages.size(); i++) {
            assertTrue(messages.get(i).get("seq").asLong() > messages.get(i - 1).get("seq").asLong(), "seqs grow");
        }
        // a client that reconnects after the first job message gets the rest replayed
        long firstSeq = messages.get(0).get("seq").asLong();
        SocketClient again = browser.socket(pageId, Map.of("after", Long.toString(firstSeq)));
        again.next("hello");
        assertEquals(messages.get(1).get("seq").asLong(), again.next("job").get("seq").asLong());
        assertEquals("done", browser.get("/_/jobs/" + jobId).json().get("state").asText());
        assertTrue(new Observe(uri).metric("resident_tasks_completed_total") >= 1);
    }

    @Test
    void progressIsCoalescedLatestWins() {
        Browser browser = new Browser(uri);
        String pageId = probePage(browser);
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        long started = System.nanoTime();
        String jobId = submit(browser, pageId, "probe.chatty", Json.object().put("calls", 5000)).json()
                .path("result").path("job_id").asText();
        List<JsonNode> messages = jobMessages(socket, jobId);
        double seconds = (System.nanoTime() - started) / 1e9;
        long progress = messages.stream().filter(m -> m.get("state").asText().equals("running")).count();
        assertTrue(progress <= 2 + Math.ceil(seconds * 5) + 1, progress + " running messages in " + seconds + " s");
        JsonNode done = messages.get(messages.size() - 1);
        assertEquals("done", done.get("state").asText());
        assertEquals(5000, done.path("progress").path("done").asLong());
        assertEquals("step 5000", done.path("progress").path("message").asText());
    }

    @Test
    void badRequestsAreRefusedBeforeQueuing() {
        Browser browser = new Browser(uri);
        String pageId = probePage(browser);
        Reply unknown = submit(browser, pageId, "no.such.task", Json.object());
        assertEquals(404, unknown.status());
        assertEquals("unknown_task", unknown.errorCode());
        String bench = browser.benchPage();
        Reply bad = browser.rpc(bench, "job", Json.object().put("steps", -1), null);
        assertEquals(422, bad.status());
        assertEquals("unprocessable", bad.errorCode());
        Reply notObject = submit(browser, pageId, "probe.chatty", Json.array().add(1));
        assertEquals(422, notObject.status());
        ObjectNode huge = Json.object().put("blob", "y".repeat(70_000));
        assertEquals(422, submit(browser, pageId, "probe.chatty", huge).status());
    }

    @Test
    void aThrowingTaskFailsWithAnErrorIdAndNoStack() {
        Browser browser = new Browser(uri);
        String pageId = probePage(browser);
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        String jobId = submit(browser, pageId, "probe.fail", null).json().path("result").path("job_id").asText();
        List<JsonNode> messages = jobMessages(socket, jobId);
        JsonNode failed = messages.get(messages.size() - 1);
        assertEquals("failed", failed.get("state").asText());
        assertEquals("internal", failed.path("error").path("code").asText());
        assertEquals(12, failed.path("error").path("id").asText().length());
        assertFalse(failed.toString().contains("secret"), failed.toString());

        String large = submit(browser, pageId, "probe.large", null).json().path("result").path("job_id").asText();
        JsonNode tooLarge = last(jobMessages(socket, large));
        assertEquals("result_too_large", tooLarge.path("error").path("code").asText());

        // a task's own failure may repeat what its client sent: the record keeps the start of it
        String verbose = submit(browser, pageId, "probe.verbose", null).json().path("result").path("job_id").asText();
        JsonNode refused = last(jobMessages(socket, verbose)).path("error");
        assertEquals("unprocessable", refused.path("code").asText());
        assertTrue(refused.path("message").asText().startsWith("no such thing: xxx"), refused.toString());
        assertTrue(refused.path("message").asText().length() <= 1024, refused.path("message").asText().length() + " chars");
    }

    @Test
    void aFullQueueAnswers429AndCancelStopsRunningAndQueuedJobs() {
        Browser owner = new Browser(uri);
        String pageId = probePage(owner);
        SocketClient socket = owner.socket(pageId);
        socket.next("hello");
        String running = submit(owner, pageId, "probe.hold", null).json().path("result").path("job_id").asText();
        Eventually.await(Duration.ofSeconds(10), "the first job runs",
                () -> owner.get("/_/jobs/" + running).json().path("state").asText().equals("running"));
        String queued = submit(owner, pageId, "probe.hold", null).json().path("result").path("job_id").asText();
        Reply full = submit(owner, pageId, "probe.hold", null);
        assertEquals(429, full.status());
        assertEquals("rate_limited", full.errorCode());

        Browser stranger = new Browser(uri);
        stranger.benchPage();
        assertEquals(404, delete(stranger, queued).status(), "another user's job does not exist");
        assertEquals(404, stranger.get("/_/jobs/" + queued).status());

        assertEquals(200, delete(owner, queued).status());
        assertEquals(200, delete(owner, running).status());
        JsonNode runningEnd = last(jobMessages(socket, running));
        assertEquals("cancelled", runningEnd.get("state").asText());
        assertEquals("cancelled", owner.get("/_/jobs/" + queued).json().get("state").asText());
        assertEquals(409, delete(owner, running).status());
        // the queued job never started: the worker takes the next job and skips it
        String next = submit(owner, pageId, "probe.chatty", Json.object().put("calls", 10)).json()
                .path("result").path("job_id").asText();
        assertEquals("done", last(jobMessages(socket, next)).get("state").asText());
        assertEquals("cancelled", owner.get("/_/jobs/" + queued).json().get("state").asText());
        assertEquals(0, owner.get("/_/jobs/" + queued).json().path("attempt").asInt(), "never ran");
    }

    @Test
    void anAdminCancelsAnyJob() {
        Browser owner = new Browser(uri);
        String pageId = probePage(owner);
        String jobId = submit(owner, pageId, "probe.hold", null).json().path("result").path("job_id").asText();
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        assertEquals(200, delete(admin, jobId).status());
        Eventually.await(Duration.ofSeconds(10), "the job is cancelled",
                () -> owner.get("/_/jobs/" + jobId).json().path("state").asText().equals("cancelled"));
        assertEquals(404, delete(admin, "not-a-job").status());
    }

    /**
     * The results of finished jobs kept for {@code GET /_/jobs/{id}} are bounded in bytes together
     * ({@code max-kept-results}), not only in number: past it the oldest finished job is forgotten.
     */
    @Test
    void keptResultsStayWithinTheirBytesTheOldestForgottenFirst() {
        Map<String, String> config = Map.of("resident.process", "kept", "resident.tasks.workers", "1",
                "resident.tasks.max-result", "400000", "resident.ws.queue-bytes", "404096",
                "resident.pages.history.max-bytes", "404096",
                "resident.tasks.max-kept-results", "1000000"); // a 300,002-char result holds ~600 KB
        onOwnServer(config, base -> {
            Browser browser = new Browser(base);
            String pageId = probePage(browser);
            // over HTTP, not the socket: a 300 KB result on a socket of a loaded machine may be slow enough to close it
            String first = submit(browser, pageId, "probe.large", null).json().path("result").path("job_id").asText();
            awaitDone(browser, first);
            assertEquals(300_000, browser.get("/_/jobs/" + first).json().path("result").asText().length());
            String second = submit(browser, pageId, "probe.large", null).json().path("result").path("job_id").asText();
            awaitDone(browser, second);
            assertEquals(404, browser.get("/_/jobs/" + first).status(), "the oldest forgotten");
            assertEquals(300_000, browser.get("/_/jobs/" + second).json().path("result").asText().length());
        });
    }

    /**
     * A job's state carries its result: while a client that does not read holds a large one, it
     * counts against the budget for bodies like any large reply, and past it the next is refused.
     */
    @Test
    void largeResultsThatAClientDoesNotReadTakeNoMoreThanTheBudgetForBodies() {
        Map<String, String> config = Map.of("resident.process", "unread-results", "resident.tasks.workers", "1",
                "resident.tasks.max-result", "5100000", "resident.ws.queue-bytes", "5200000",
                "resident.pages.history.max-bytes", "5200000", "resident.limits.max-bodies-heap", Integer.toString(8 << 20));
        onOwnServer(config, base -> {
            Browser browser = new Browser(base);
            String pageId = probePage(browser);
            String jobId = submit(browser, pageId, "probe.huge", null).json().path("result").path("job_id").asText();
            awaitDone(browser, jobId);
            Observe observe = new Observe(base);
            String status = "GET /_/jobs/" + jobId + " HTTP/1.1\r\nHost: x\r\nCookie: rsd_cid=" + browser.connectionId()
                    + "\r\n\r\n";
            // more than the kernel's send buffer takes (4 MB at most here): what it cannot take, the heap holds
            try (RawHttp unread = new RawHttp(base, 4096)) {
                unread.send(status);
                Eventually.await(Duration.ofSeconds(10), "an unread result of 5 MB counted",
                        () -> observe.metric("resident_bodies_heap", "unread-results") > 4_000_000);
                Reply refused = browser.get("/_/jobs/" + jobId);
                assertEquals(503, refused.status(), "a second is refused: " + refused.body().length());
                assertEquals("unavailable", refused.errorCode());
            }
            Eventually.await(Duration.ofSeconds(10), "given back once the reader went away",
                    () -> observe.metric("resident_bodies_heap", "unread-results") == 0);
            assertEquals(5_000_000, browser.get("/_/jobs/" + jobId).json().path("result").asText().length());
        });
    }

    /**
     * A job's result reaches its page in one message: a {@code max-result} that leaves it no room
     * in the socket's queue or the page's history is refused at start, not found out by a page.
     */
    @Test
    void aMaxResultWithoutRoomForItsMessageStopsStartup() {
        for (String room : new String[] {"resident.ws.queue-bytes", "resident.pages.history.max-bytes"}) {
            Map<String, String> config = Map.of("resident.process", "room", "resident.tasks.max-result", "200000",
                    room, "200000");
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> TestServers.resident(config, new PageTypes()), room);
            assertTrue(refused.getMessage().contains("max-result"), refused.getMessage());
        }
    }

    /** One user's jobs queued or running are capped: past it 429, while another user's job is taken. */
    @Test
    void oneUsersJobsAreCapped() {
        onOwnServer(twoJobsAUser("capped"), base -> {
            Browser bob = new Browser(base);
            assertEquals(200, bob.login("bob", "bob").status());
            String pageId = probePage(bob);
            String running = submit(bob, pageId, "probe.hold", null).json().path("result").path("job_id").asText();
            String queued = submit(bob, pageId, "probe.hold", null).json().path("result").path("job_id").asText();
            Reply third = submit(bob, pageId, "probe.hold", null);
            assertEquals(429, third.status(), third.body());
            assertEquals("rate_limited", third.errorCode());
            Browser carol = new Browser(base);
            assertEquals(200, carol.login("carol", "carol").status());
            assertEquals(200, submit(carol, probePage(carol), "probe.hold", null).status(), "another user's");

            assertEquals(200, delete(bob, queued).status());
            assertEquals(200, submit(bob, pageId, "probe.hold", null).status(),
                    "a cancelled queued job gave its place back at once, while the worker still holds the first");
            assertEquals(429, submit(bob, pageId, "probe.hold", null).status(), "still two at most");
            assertEquals(200, delete(bob, running).status());
            Eventually.await(Duration.ofSeconds(10), "the cancelled job ended, and its place came back",
                    () -> submit(bob, pageId, "probe.fail", null).status() == 200);
        });
    }

    /**
     * One user's many jobs do not hold another's back: the worker takes the users' jobs in turn, so
     * carol's job runs after one more of bob's, not after all of them (a helper's finding: 50 long
     * exports of one user held both workers for minutes).
     */
    @Test
    void theWorkersTakeTheUsersJobsInTurn() {
        onOwnServer(Map.of("resident.process", "turns", "resident.tasks.workers", "1", "resident.tasks.queue", "10",
                "resident.tasks.max-jobs-per-user", "5"), base -> {
            Browser bob = new Browser(base);
            assertEquals(200, bob.login("bob", "bob").status());
            String bobsPage = probePage(bob);
            List<String> bobs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bobs.add(submit(bob, bobsPage, "probe.hold", null).json().path("result").path("job_id").asText());
            }
            Eventually.await(Duration.ofSeconds(10), "bob's first job runs", () -> "running".equals(state(bob, bobs.get(0))));
            Browser carol = new Browser(base);
            assertEquals(200, carol.login("carol", "carol").status());
            String carols = submit(carol, probePage(carol), "probe.hold", null).json().path("result").path("job_id").asText();

            assertEquals(200, delete(bob, bobs.get(0)).status());
            Eventually.await(Duration.ofSeconds(10), "bob's second job runs", () -> "running".equals(state(bob, bobs.get(1))));
            assertEquals(200, delete(bob, bobs.get(1)).status());
            Eventually.await(Duration.ofSeconds(10), "carol's job runs next",
                    () -> state(carol, carols) + ", bob's third " + state(bob, bobs.get(2)),
                    () -> "running".equals(state(carol, carols)));
            assertEquals("queued", state(bob, bobs.get(2)), "bob's third waits for carol's turn");
            assertEquals(200, delete(carol, carols).status());
            bobs.subList(2, 4).forEach(job -> delete(bob, job));
        });
    }

    private static String state(Browser browser, String jobId) {
        return browser.get("/_/jobs/" + jobId).json().path("state").asText();
    }

    /**
     * A guest is a new user with every session, and a client opens sessions by the hundred: guests
     * from one address share one user's jobs, over HTTP and the socket alike.
     */
    @Test
    void guestsFromOneAddressShareOneUsersJobs() {
        onOwnServer(twoJobsAUser("guests"), base -> {
            Browser first = new Browser(base);
            assertEquals(200, submit(first, probePage(first), "probe.hold", null).status());
            Browser second = new Browser(base);
            assertEquals(200, submit(second, probePage(second), "probe.hold", null).status());
            Browser third = new Browser(base);
            String thirdPage = probePage(third);
            assertNotEquals(first.connectionId(), third.connectionId());
            Reply refused = submit(third, thirdPage, "probe.hold", null);
            assertEquals(429, refused.status(), refused.body());
            assertEquals("rate_limited", refused.errorCode());
            SocketClient socket = third.socket(thirdPage);
            socket.next("hello");
            socket.send(Json.object().put("t", "rpc").put("id", 7).put("method", "submit")
                    .set("params", Json.object().put("type", "probe.hold")));
            JsonNode answer = socket.next(frame -> frame.path("id").asInt() == 7);
            assertEquals("rate_limited", answer.path("code").asText(), answer.toString());

            Browser elsewhere = newBrowserFrom(base, "127.0.0.2");
            assertEquals(200, submit(elsewhere, probePage(elsewhere), "probe.hold", null).status(),
                    "a guest of another address");
            Browser alice = new Browser(base);
            assertEquals(200, alice.login("alice", "alice").status());
            assertEquals(200, submit(alice, probePage(alice), "probe.hold", null).status(),
                    "a user from the same address");
        });
    }

    /**
     * What a guest's page submits outside a call (a dbevent handler) takes the share of the address
     * its session was made from, too: before, it took a share of its own for each guest session.
     */
    @Test
    void guestsJobsSubmittedAtADbEventShareTheirAddresssJobs() {
        onOwnServer(twoJobsAUser("dbevent-guests"), base -> {
            List<Browser> guests = List.of(new Browser(base), new Browser(base), new Browser(base));
            List<String> pages = guests.stream().map(TaskLocalTest::probePage).toList();
            Reply posted = new Browser(base).send(java.net.http.HttpRequest.newBuilder(base.resolve("/_/dbevent"))
                    .header("Authorization", "Bearer " + dev.resident.support.TestServers.ADMIN_TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"table\":\"" + TaskProbe.SUBMITTING_TABLE
                            + "\",\"events\":[{\"action\":\"I\",\"pkey\":1}]}")));
            assertEquals(202, posted.status(), posted.body());
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < guests.size(); i++) {
                Browser guest = guests.get(i);
                String page = pages.get(i);
                Eventually.await(Duration.ofSeconds(10), "the page's handler ran", () -> !outcome(guest, page).isEmpty());
                outcomes.add(outcome(guest, page));
            }
            Collections.sort(outcomes);
            assertEquals(List.of("queued", "queued", "rate_limited"), outcomes);
        });
    }

    private static String outcome(Browser browser, String pageId) {
        return browser.get("/_/page?page_id=" + pageId.replace("|", "%7C")).json().path("data").path("on_dbevent").asText();
    }

    /**
     * The finished jobs a process remembers are bounded in number ({@code max-jobs}); one client
     * submitting jobs by the hundred forgets its own oldest first, not everyone else's. Its failing
     * tasks' stacks are logged twenty a minute at most.
     */
    @Test
    void aFloodOfJobsForgetsItsOwnFinishedJobsFirst() {
        onOwnServer(Map.of("resident.process", "flood", "resident.tasks.workers", "1", "resident.tasks.max-jobs", "100",
                "resident.tasks.max-jobs-per-user", "1000", "resident.tasks.queue", "1000"), base -> {
            Browser bob = new Browser(base);
            assertEquals(200, bob.login("bob", "bob").status());
            String bobs = submit(bob, probePage(bob), "probe.fail", null).json().path("result").path("job_id").asText();
            Eventually.await(Duration.ofSeconds(10), "bob's job ended",
                    () -> bob.get("/_/jobs/" + bobs).json().path("state").asText().equals("failed"));
            Browser flood = new Browser(base);
            String pageId = probePage(flood);
            String first = null;
            String last = null;
            try (LogLines log = LogLines.of(JobRunner.class.getName())) {
                for (int i = 0; i < 150; i++) {
                    last = submit(flood, pageId, "probe.fail", null).json().path("result").path("job_id").asText();
                    first = first == null ? last : first;
                }
                String lastJob = last;
                Eventually.await(Duration.ofSeconds(20), "the flood ran",
                        () -> flood.get("/_/jobs/" + lastJob).json().path("state").asText().equals("failed"));
                // a task that throws is logged as page code that throws: a few stacks a minute, not one a job
                assertTrue(log.withStackContaining("failed, error id").size() <= 20,
                        log.withStackContaining("failed, error id").size() + " stacks for 150 failed jobs");
            }
            assertEquals(404, flood.get("/_/jobs/" + first).status(), "the flood's oldest were forgotten");
            assertEquals("failed", bob.get("/_/jobs/" + bobs).json().path("state").asText(), "bob's is remembered");
        });
    }

    /**
     * A client submitting quick jobs by the thousand made finished records without number: a user
     * (the guests of one address together) submits at most {@code max-jobs-per-user-per-window} jobs
     * within {@code keep-finished}. Past it 429 and no record, while another user, and the guests of
     * another address, still submit.
     */
    @Test
    void oneUsersSubmitsAreCappedWithinTheTimeFinishedJobsAreKept() {
        onOwnServer(Map.of("resident.process", "window", "resident.tasks.workers", "1",
                "resident.tasks.max-jobs-per-user", "5", "resident.tasks.max-jobs-per-user-per-window", "5"), base -> {
            Browser bob = new Browser(base);
            assertEquals(200, bob.login("bob", "bob").status());
            String pageId = probePage(bob);
            endedJobs(bob, pageId, 5);
            Browser admin = new Browser(base);
            assertEquals(200, admin.login("alice", "alice").status());
            long records = jobRecords(admin);
            Reply sixth = submit(bob, pageId, "probe.fail", null);
            assertEquals(429, sixth.status(), sixth.body());
            assertEquals("rate_limited", sixth.errorCode());
            assertTrue(sixth.body().contains("max-jobs-per-user-per-window"), sixth.body());
            assertEquals(records, jobRecords(admin), "the refused submit made no record");
            Browser carol = new Browser(base);
            assertEquals(200, carol.login("carol", "carol").status());
            endedJobs(carol, probePage(carol), 1);

            Browser first = new Browser(base);
            endedJobs(first, probePage(first), 3);
            Browser second = new Browser(base);
            String secondPage = probePage(second);
            assertNotEquals(first.connectionId(), second.connectionId());
            endedJobs(second, secondPage, 2);
            Reply guests = submit(second, secondPage, "probe.fail", null);
            assertEquals(429, guests.status(), "the sixth of the address's guests: " + guests.body());
            assertTrue(guests.body().contains("max-jobs-per-user-per-window"), guests.body());
            Browser elsewhere = newBrowserFrom(base, "127.0.0.2");
            endedJobs(elsewhere, probePage(elsewhere), 1);
        });
    }

    /** Submits {@code jobs} quick jobs one after the other, each awaited to its end. */
    private static void endedJobs(Browser browser, String pageId, int jobs) {
        for (int i = 0; i < jobs; i++) {
            Reply submitted = submit(browser, pageId, "probe.fail", null);
            assertEquals(200, submitted.status(), submitted.body());
            String jobId = submitted.json().path("result").path("job_id").asText();
            Eventually.await(Duration.ofSeconds(10), jobId + " ended",
                    () -> browser.get("/_/jobs/" + jobId).json().path("state").asText().equals("failed"));
        }
    }

    /** The job records the admin view counts, in every state. */
    private static long jobRecords(Browser admin) {
        JsonNode counts = admin.get("/_/admin/state").json().path("jobs").path("counts");
        long total = 0;
        for (JsonNode count : counts) {
            total += count.asLong();
        }
        return total;
    }

    /** One worker, a queue of 10, at most two jobs a user: on a server of its own, process {@code process}. */
    private static Map<String, String> twoJobsAUser(String process) {
        return Map.of("resident.process", process, "resident.tasks.workers", "1", "resident.tasks.queue", "10",
                "resident.tasks.max-jobs-per-user", "2");
    }

    private static Browser newBrowserFrom(URI base, String address) {
        try {
            return new Browser(base, java.net.InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void oneUsersResultsTakeOnlyTheirShareOfTheJobStore() {
        onOwnServer(Map.of("resident.process", "shares", "resident.tasks.workers", "1",
                "resident.tasks.max-result", "90000", "resident.tasks.max-result-bytes-per-user", "200000"), base -> {
            Browser alice = new Browser(base);
            assertEquals(200, alice.login("alice", "alice").status());
            Browser bob = new Browser(base);
            assertEquals(200, bob.login("bob", "bob").status());
            assertEquals(List.of("done", "done", "failed result_not_kept"), BenchJobs.endsWithResultsOf(alice, 3, 80_000),
                    "her third result would take her past her share");
            assertEquals(List.of("done"), BenchJobs.endsWithResultsOf(bob, 1, 80_000), "his is kept");
        });
    }

    /** Runs {@code test} against a server of its own with the probe tasks and {@code config} (name its process). */
    private static void onOwnServer(Map<String, String> config, Consumer<URI> test) {
        WebServerConfig.Builder builder = WebServer.builder().host("127.0.0.1").port(0);
        Resident own = TaskProbe.setup(builder, config);
        WebServer server = null;
        try {
            server = builder.build().start();
            test.accept(URI.create("http://127.0.0.1:" + server.port()));
        } finally {
            if (server != null) {
                server.stop();
            }
            own.close();
        }
    }

    @Test
    void theAdminViewListsJobsWithProgressAndErrorIdsAndTheSchedule() {
        Browser guest = new Browser(uri);
        String pageId = probePage(guest);
        SocketClient socket = guest.socket(pageId);
        socket.next("hello");
        String failed = submit(guest, pageId, "probe.fail", null).json().path("result").path("job_id").asText();
        String errorId = last(jobMessages(socket, failed)).path("error").path("id").asText();
        String running = submit(guest, pageId, "probe.hold", null).json().path("result").path("job_id").asText();
        Eventually.await(Duration.ofSeconds(10), "the job runs and reports progress",
                () -> guest.get("/_/jobs/" + running).json().has("progress"));

        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        JsonNode state = admin.get("/_/admin/state").json();
        assertTrue(state.has("pages") && state.has("counts"), "the other keys stay");
        JsonNode jobs = state.path("jobs");
        assertTrue(jobs.path("counts").path("running").asInt() >= 1, jobs.toString());
        JsonNode runningRow = row(jobs, running);
        assertEquals("running", runningRow.path("state").asText());
        assertEquals("holding", runningRow.path("progress").path("message").asText());
        assertFalse(runningRow.path("user").asText().contains(guest.connectionId()), "a guest's session id is masked");
        assertEquals(errorId, row(jobs, failed).path("error").path("id").asText());
        JsonNode nightly = jobs.path("schedule").get(0);
        assertEquals("nightly", nightly.path("name").asText());
        assertEquals("Europe/Rome", nightly.path("zone").asText());
        assertTrue(nightly.path("next_run").asText().contains("T02:30"), nightly.toString());
        assertEquals(403, browserOf("bob").get("/_/admin/state").status());
        assertEquals(200, delete(admin, running).status());
        assertEquals("cancelled", last(jobMessages(socket, running)).path("state").asText());
    }

    private Browser browserOf(String user) {
        Browser browser = new Browser(uri);
        assertEquals(200, browser.login(user, user).status());
        return browser;
    }

    private static JsonNode row(JsonNode jobs, String jobId) {
        for (JsonNode row : jobs.path("list")) {
            if (row.path("job_id").asText().equals(jobId)) {
                return row;
            }
        }
        throw new AssertionError("no row of " + jobId + " in " + jobs);
    }

    private static String probePage(Browser browser) {
        return browser.openPage(TaskProbe.PATH, null).get("page_id").asText();
    }

    private static Reply submit(Browser browser, String pageId, String type, JsonNode params) {
        ObjectNode body = Json.object().put("type", type);
        if (params != null) {
            body.set("params", params);
        }
        return browser.rpc(pageId, "submit", body, null);
    }

    private static Reply delete(Browser browser, String jobId) {
        return browser.send(HttpRequest.newBuilder(browser.base().resolve("/_/jobs/" + jobId)).DELETE());
    }

    /** The job's messages on the socket up to and including its final one. */
    static List<JsonNode> jobMessages(SocketClient socket, String jobId) {
        List<JsonNode> messages = new ArrayList<>();
        while (true) {
            JsonNode message = socket.next(m -> "job".equals(m.path("t").asText()) && jobId.equals(m.path("job_id").asText()));
            messages.add(message);
            String state = message.get("state").asText();
            if (state.equals("done") || state.equals("failed") || state.equals("cancelled")) {
                return messages;
            }
        }
    }

    private static void awaitDone(Browser browser, String jobId) {
        Eventually.await(Duration.ofSeconds(10), jobId + " done",
                () -> "done".equals(browser.get("/_/jobs/" + jobId).json().path("state").asText()));
    }

    private static JsonNode last(List<JsonNode> messages) {
        return messages.get(messages.size() - 1);
    }
}
