package dev.resident.page.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.page.Page;
import dev.resident.page.PageException;

/** Where {@link Page#submit} hands a job: the task engine, when the server runs one. */
public interface JobSubmitter {

    /** Refuses everything: a server without a task engine. */
    JobSubmitter NONE = new JobSubmitter() {
        @Override
        public String submit(String pageId, String user, String address, String type, JsonNode params) {
            throw new PageException(503, "unavailable", "background tasks are not enabled on this server");
        }

        @Override
        public JsonNode follow(String pageId, String user, String jobId) {
            throw new PageException(404, "unknown_job", "unknown job");
        }
    };

    /**
     * Queues a job for {@code pageId} and returns its id at once.
     *
     * @param address the key of the client address of the page's call or open that submits it, or
     *                null (a hook outside any call): a guest's jobs are counted by it
     * @throws PageException 404 {@code unknown_task}, 422 for bad params, 429 {@code rate_limited}
     *                       when the queue is full, 503 {@code unavailable} when it cannot be reached
     */
    String submit(String pageId, String user, String address, String type, JsonNode params);

    /**
     * Sends the job's messages to {@code pageId} from now on and returns its current state (the
     * fields of a {@code job} message).
     *
     * @throws PageException 404 {@code unknown_job} when there is no such job of {@code user}
     */
    JsonNode follow(String pageId, String user, String jobId);
}
