package dev.resident.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.support.Deadline;
import dev.resident.support.SocketClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads one job's messages from a page socket. */
final class JobFrames {
    private JobFrames() {
    }

    /** The job's messages up to and including its final one, each within {@code timeout} of the last. */
    static List<JsonNode> untilFinished(SocketClient socket, String jobId, Duration timeout) {
        List<JsonNode> messages = new ArrayList<>();
        while (true) {
            JsonNode message = next(socket, jobId, timeout);
            messages.add(message);
            if (finished(message)) {
                return messages;
            }
        }
    }

    /** The job's next message. */
    static JsonNode next(SocketClient socket, String jobId, Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        while (true) {
            JsonNode frame = socket.next(deadline);
            if ("job".equals(frame.path("t").asText()) && jobId.equals(frame.path("job_id").asText())) {
                return frame;
            }
        }
    }

    /** The job's first message with progress: it runs on a worker now. */
    static JsonNode firstProgress(SocketClient socket, String jobId, Duration timeout) {
        while (true) {
            JsonNode message = next(socket, jobId, timeout);
            if (message.has("progress")) {
                return message;
            }
        }
    }

    static boolean finished(JsonNode message) {
        String state = message.path("state").asText();
        return state.equals("done") || state.equals("failed") || state.equals("cancelled");
    }

    static long count(List<JsonNode> messages, String state) {
        return messages.stream().filter(m -> m.path("state").asText().equals(state)).count();
    }
}
