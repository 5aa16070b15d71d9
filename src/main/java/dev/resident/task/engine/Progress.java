package dev.resident.task.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

/** A job's last reported progress. */
public record Progress(long done, long total, String message) {
    static final int MAX_MESSAGE = 200;

    public Progress {
        message = message == null ? null : message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message;
    }

    ObjectNode json() {
        ObjectNode node = Json.object().put("done", done).put("total", total);
        if (message != null) {
            node.put("message", message);
        }
        return node;
    }

    static Progress of(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode message = node.get("message");
        return new Progress(node.path("done").asLong(), node.path("total").asLong(),
                message == null || !message.isTextual() ? null : message.textValue());
    }
}
