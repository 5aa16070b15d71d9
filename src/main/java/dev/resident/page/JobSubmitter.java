package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;

/** Where {@link Page#submit} hands a job: the task engine, when the server runs one. */
public interface JobSubmitter {

    /** Refuses every submit: a server without a task engine. */
    JobSubmitter NONE = (pageId, user, type, params) -> {
        throw new PageException(503, "unavailable", "background tasks are not enabled on this server");
    };

    /**
     * Queues a job for {@code pageId} and returns its id at once.
     *
     * @throws PageException 404 {@code unknown_task}, 422 for bad params, 429 {@code rate_limited}
     *                       when the queue is full, 503 {@code unavailable} when it cannot be reached
     */
    String submit(String pageId, String user, String type, JsonNode params);
}
