package dev.resident.task.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.resident.json.Json;

/**
 * What is known of one job: the {@code job} message a page gets and the record a store keeps.
 *
 * @param quota    whose share of the queue it takes ({@link JobSpec#quota}): a cancel gives that place
 *                 back at once
 * @param progress null until the task reports some
 * @param result   the task's result as JSON text once {@code done}, else null: a finished job is
 *                 remembered for a while, and its result kept as a tree would be many times its size
 * @param error    {@code {"code","message","id"?}} once {@code failed}, else null
 * @param attempt  0 while queued, then the run number
 * @param cancelRequested a cancel reached a running job: a run that picks it up again (after its
 *                        worker died) ends it {@code cancelled} instead of running it
 */
public record JobStatus(String jobId, String type, String user, String quota, String pageId, JobState state,
                        Progress progress, String result, ObjectNode error, int attempt, long submittedAt,
                        long updatedAt, boolean cancelRequested) {

    /**
     * Longest error code and message a record keeps: a task's own failure may name what its client
     * sent, and every record of a user's jobs is kept for {@code keep-finished}.
     */
    static final int MAX_CODE = 64;
    static final int MAX_MESSAGE = 1024;

    static JobStatus queued(JobSpec spec) {
        return new JobStatus(spec.jobId(), spec.type(), spec.user(), spec.quota(), spec.pageId(), JobState.QUEUED,
                null, null, null, 0, spec.submittedAt(), System.currentTimeMillis(), false);
    }

    JobStatus running(int run) {
        return new JobStatus(jobId, type, user, quota, pageId, JobState.RUNNING, progress, null, null, run, submittedAt,
                System.currentTimeMillis(), cancelRequested);
    }

    JobStatus progressed(Progress next) {
        return new JobStatus(jobId, type, user, quota, pageId, state, next, null, null, attempt, submittedAt,
                System.currentTimeMillis(), cancelRequested);
    }

    JobStatus done(String value) {
        return new JobStatus(jobId, type, user, quota, pageId, JobState.DONE, progress, value, null, attempt,
                submittedAt, System.currentTimeMillis(), cancelRequested);
    }

    JobStatus failed(String code, String message, String errorId) {
        ObjectNode failure = Json.object().put("code", cut(code, MAX_CODE)).put("message", cut(message, MAX_MESSAGE));
        if (errorId != null) {
            failure.put("id", errorId);
        }
        return new JobStatus(jobId, type, user, quota, pageId, JobState.FAILED, progress, null, failure, attempt,
                submittedAt, System.currentTimeMillis(), cancelRequested);
    }

    /** The same state, reported to another page from now on. */
    JobStatus movedTo(String page) {
        return new JobStatus(jobId, type, user, quota, page, state, progress, result, error, attempt, submittedAt,
                System.currentTimeMillis(), cancelRequested);
    }

    /** Still running, with a cancel on record for whichever run holds it. */
    JobStatus withCancelRequested() {
        return new JobStatus(jobId, type, user, quota, pageId, state, progress, result, error, attempt, submittedAt,
                System.currentTimeMillis(), true);
    }

    JobStatus cancelled() {
        return new JobStatus(jobId, type, user, quota, pageId, JobState.CANCELLED, progress, null, null, attempt,
                submittedAt, System.currentTimeMillis(), cancelRequested);
    }

    /**
     * Whether {@code next} may replace this: a job only moves forward (a progress report or a move
     * to another page keeps the state), and nothing replaces a finished one.
     */
    public boolean accepts(JobStatus next) {
        if (state.finished()) {
            return false;
        }
        return next.state.ordinal() > state.ordinal()
                || (next.state == state && (state == JobState.RUNNING || !next.pageId.equals(pageId)));
    }

    /** The {@code job} message's fields after {@code "seq":N,}, closing brace included. */
    public String messageTail() {
        ObjectNode body = Json.object().put("job_id", jobId).put("type", type).put("state", state.wire());
        if (attempt > 0) {
            body.put("attempt", attempt);
        }
        if (progress != null) {
            body.set("progress", progress.json());
        }
        if (result != null && state == JobState.DONE) {
            body.putRawValue("result", new RawValue(result)); // already JSON: not parsed to be written
        }
        if (error != null) {
            body.set("error", error);
        }
        return Json.write(body).substring(1);
    }

    /** The whole record, as a store keeps it. */
    public ObjectNode json() {
        ObjectNode node = Json.object()
                .put("job_id", jobId).put("type", type).put("user", user).put("quota", quota).put("page_id", pageId)
                .put("state", state.wire()).put("attempt", attempt)
                .put("submitted_at", submittedAt).put("updated_at", updatedAt);
        if (progress != null) {
            node.set("progress", progress.json());
        }
        if (result != null) {
            node.putRawValue("result", new RawValue(result));
        }
        if (error != null) {
            node.set("error", error);
        }
        if (cancelRequested) {
            node.put("cancel_requested", true);
        }
        return node;
    }

    /** @throws IllegalArgumentException when {@code node} is not a job record */
    public static JobStatus of(JsonNode node) {
        try {
            JsonNode error = node.get("error");
            String result = node.has("result") ? Json.write(node.get("result")) : null;
            String user = text(node, "user");
            JsonNode quota = node.get("quota"); // a record of an older version has none: its user's
            return new JobStatus(text(node, "job_id"), text(node, "type"), user,
                    quota != null && quota.isTextual() ? quota.textValue() : user, text(node, "page_id"),
                    JobState.ofWire(text(node, "state")), Progress.of(node.get("progress")),
                    result, error != null && error.isObject() ? (ObjectNode) error : null,
                    node.path("attempt").asInt(), node.path("submitted_at").asLong(), node.path("updated_at").asLong(),
                    node.path("cancel_requested").asBoolean(false));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a job record", e);
        }
    }

    private static String cut(String text, int most) {
        return text == null || text.length() <= most ? text : text.substring(0, most - 1) + "…";
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(field + " missing");
        }
        return value.textValue();
    }
}
