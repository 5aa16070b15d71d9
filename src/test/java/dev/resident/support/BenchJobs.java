package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser.Reply;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Jobs of the bench page type, run one after the other from a page of its own. */
public final class BenchJobs {
    private BenchJobs() {
    }

    /**
     * How {@code jobs} bench jobs of the browser's user end, each with a result of {@code bytes}:
     * {@code "done"}, or {@code "failed <code>"}.
     */
    public static List<String> endsWithResultsOf(Browser browser, int jobs, int bytes) {
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        List<String> ends = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            Reply submitted = browser.rpc(pageId, "job", Json.object().put("steps", 1).put("result_bytes", bytes), null);
            assertEquals(200, submitted.status(), submitted.body());
            String jobId = submitted.json().path("result").path("job_id").asText();
            JsonNode end;
            do {
                end = socket.next(m -> "job".equals(m.path("t").asText()) && jobId.equals(m.path("job_id").asText()));
            } while (!List.of("done", "failed", "cancelled").contains(end.path("state").asText()));
            ends.add(end.path("state").asText() + (end.has("error") ? " " + end.path("error").path("code").asText() : ""));
        }
        socket.close();
        return ends;
    }
}
