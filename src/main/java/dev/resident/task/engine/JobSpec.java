package dev.resident.task.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.resident.id.Ids;
import dev.resident.json.Json;

/**
 * A job as it is queued: what to run, for whom, and which page hears about it.
 *
 * @param quota  whose share of the queue it takes ({@code max-jobs-per-user}): its user, or for a guest
 *               the client address it came from ({@link #guestQuota}), since a guest is a new user
 *               with every new session
 * @param pageId the page that submitted it, or empty for a scheduled job (no page hears about it)
 * @param params its params as JSON text (an object): a job waiting in the queue keeps them as they
 *               were sent, not as a tree many times their size; parsed when it runs
 */
public record JobSpec(String jobId, String type, String user, String quota, String pageId, String params,
                      long submittedAt) {

    /**
     * The share of the queue of a guest's jobs sent from the client address {@code addressKey}: a
     * guest's name, which no login can take.
     */
    public static String guestQuota(String addressKey) {
        return Ids.guestUser("@" + addressKey);
    }

    public String encode() {
        ObjectNode node = Json.object()
                .put("job_id", jobId)
                .put("type", type)
                .put("user", user)
                .put("quota", quota)
                .put("page_id", pageId)
                .put("submitted_at", submittedAt);
        node.putRawValue("params", new RawValue(params)); // already JSON: not parsed to be written
        return Json.write(node);
    }

    /**
     * Reads a queued job.
     *
     * @throws IllegalArgumentException when it is not one (a malformed message: dropped and counted)
     */
    public static JobSpec decode(byte[] bytes) {
        JsonNode node;
        try {
            node = Json.parse(bytes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not JSON", e);
        }
        if (!node.isObject() || !text(node, "job_id") || !text(node, "type") || !text(node, "user")
                || !text(node, "page_id") || !node.path("params").isObject()) {
            throw new IllegalArgumentException("not a job");
        }
        String user = node.get("user").textValue();
        String quota = text(node, "quota") ? node.get("quota").textValue() : user; // queued by an older version
        return new JobSpec(node.get("job_id").textValue(), node.get("type").textValue(), user, quota,
                node.get("page_id").textValue(), Json.write(node.get("params")), node.path("submitted_at").asLong());
    }

    private static boolean text(JsonNode node, String field) {
        return node.path(field).isTextual();
    }
}
