package dev.resident.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.resident.task.TaskSite.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A job that runs longer than {@code keep-finished} without reporting progress (it only asks
 * {@code isCancelled()}, as a long export may) keeps its record in the site's job store: the store
 * forgets a record {@code keep-finished} after its last write (the NATS bucket's ttl, here its floor
 * of a minute), and before, such a job's end was never recorded nor sent to its page, and
 * {@code GET /_/jobs/{id}} said {@code unknown_job} while it still ran. Over a minute long: the
 * bucket keeps no record for less.
 */
@Tag("slow")
@Timeout(180)
class QuietJobTest {
    /** Longer than the job bucket's shortest ttl (a minute), which keep-finished 1s gets. */
    private static final Duration QUIET = Duration.ofSeconds(70);
    private final TaskSite tasks = new TaskSite();

    @AfterEach
    void stop() throws Exception {
        tasks.close();
    }

    @Test
    void aJobQuieterThanItsRecordsTtlEndsDoneOnItsPage() {
        PageTypes types = new PageTypes().register(PageType.builder("/quiet", (page, params) -> page)
                .method("start", (page, params) -> page.submit("quiet", null))
                .build());
        Node node = tasks.site(Map.of("resident.tasks.workers", "1", "resident.tasks.keep-finished", "1s"))
                .start("p01", types, resident -> resident.taskTypes().register(TaskType.builder("quiet", (params, task) -> {
                    long end = System.nanoTime() + QUIET.toNanos();
                    while (System.nanoTime() < end && !task.isCancelled()) {
                        Thread.sleep(200); // a task's own work, asking isCancelled() now and then
                    }
                    return "quiet";
                }).build()));
        Browser browser = node.browser();
        String pageId = browser.openPage("/quiet", null).get("page_id").asText();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        Reply started = browser.rpc(pageId, "start", null, null);
        assertEquals(200, started.status(), started.body());
        String jobId = started.json().path("result").asText();

        List<JsonNode> frames = JobFrames.untilFinished(socket, jobId, QUIET.plus(WAIT));
        JsonNode last = frames.getLast();
        assertEquals("done", last.path("state").asText(), frames.toString());
        assertEquals("quiet", last.path("result").asText(), frames.toString());
        Reply read = browser.get("/_/jobs/" + jobId);
        assertEquals(200, read.status(), read.body());
    }
}
