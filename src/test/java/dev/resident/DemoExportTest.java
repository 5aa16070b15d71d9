package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo's orders export: a background job with progress, and a page reload in the middle. */
@Timeout(60)
class DemoExportTest extends DemoServerTest {
    DemoExportTest(URI uri) {
        super(uri);
    }

    @Test
    void theExportReportsProgressAndEndsWithTheCsvWithFormulasDefused() {
        Browser alice = loggedIn("alice");
        String pageId = board(alice);
        Reply created = alice.rpc(pageId, "create", Json.object().put("customer", "=HYPERLINK(\"x\")")
                .put("item", "Gears, large").put("qty", 2), null);
        assertEquals(200, created.status(), created.body());
        // a formula behind a separator some locales split on (;) is defused too
        Reply split = alice.rpc(pageId, "create", Json.object().put("customer", "Ada;=HYPERLINK(C1)")
                .put("item", "Bolts|+1").put("qty", 1), null);
        assertEquals(200, split.status(), split.body());
        SocketClient socket = alice.socket(pageId);
        socket.next("hello");
        String jobId = export(alice, pageId, 10);
        List<JsonNode> messages = TaskLocalTest.jobMessages(socket, jobId);
        JsonNode done = messages.get(messages.size() - 1);
        assertEquals("done", done.path("state").asText(), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.path("state").asText().equals("running") && m.has("progress")));
        String csv = done.path("result").path("csv").asText();
        assertTrue(csv.startsWith("id,customer,item,qty,status,last_change_by\n"), csv);
        assertTrue(csv.contains(",\"'=HYPERLINK(\"\"x\"\")\",\"Gears, large\",2,new,\"alice\"\n"), csv);
        assertTrue(csv.contains(",\"'Ada;=HYPERLINK(C1)\",\"'Bolts|+1\",1,new,\"alice\"\n"), csv);
        assertEquals(csv.lines().count() - 1, done.path("result").path("rows").asLong());
        assertEquals(20, done.path("progress").path("total").asInt());
    }

    @Test
    void aReloadedTabTakesOverTheRunningExport() {
        Browser alice = loggedIn("alice");
        String before = board(alice);
        SocketClient oldSocket = alice.socket(before);
        oldSocket.next("hello");
        String jobId = export(alice, before, 200);
        JsonNode running;
        do {
            running = oldSocket.next(m -> "job".equals(m.path("t").asText()));
        } while (!running.has("progress"));

        // the reload: the old page closes, a new one opens and follows the job
        assertEquals(204, alice.post("/_/close", Json.object().put("page_id", before)).status());
        String after = board(alice);
        SocketClient socket = alice.socket(after);
        socket.next("hello");
        Reply followed = alice.rpc(after, "follow", Json.object().put("job_id", jobId), null);
        assertEquals(200, followed.status(), followed.body());
        assertEquals("running", followed.json().path("result").path("state").asText());
        long resumedAt = followed.json().path("result").path("progress").path("done").asLong();

        List<JsonNode> rest = TaskLocalTest.jobMessages(socket, jobId);
        assertTrue(rest.get(0).path("progress").path("done").asLong() >= resumedAt, "progress goes on");
        assertEquals("done", rest.get(rest.size() - 1).path("state").asText());

        Browser bob = loggedIn("bob");
        Reply stolen = bob.rpc(board(bob), "follow", Json.object().put("job_id", jobId), null);
        assertEquals(404, stolen.status(), "another user's job does not exist");
        assertEquals("unknown_job", stolen.errorCode());
    }

    private Browser loggedIn(String user) {
        Browser browser = new Browser(uri);
        assertEquals(200, browser.login(user, user).status());
        return browser;
    }

    private static String board(Browser browser) {
        return browser.openPage("/board", null).get("page_id").asText();
    }

    private static String export(Browser browser, String pageId, int stepMs) {
        Reply reply = browser.rpc(pageId, "export", Json.object().put("step_ms", stepMs), null);
        assertEquals(200, reply.status(), reply.body());
        return reply.json().path("result").path("job_id").asText();
    }
}
