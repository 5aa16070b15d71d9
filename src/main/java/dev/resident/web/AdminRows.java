package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

import java.util.List;

/** The rows of a site-wide admin state: each process's rows tagged with it, and its row in {@code processes}. */
public final class AdminRows {
    /** The lists of an admin state. */
    public static final List<String> LISTS = List.of("users", "connections", "pages");
    /** The counts of an admin state. */
    public static final List<String> COUNTS = List.of("users", "connections", "pages", "sockets");

    private AdminRows() {
    }

    /** Adds {@code "process"} to every row of {@code state}'s lists. */
    public static ObjectNode tag(ObjectNode state, String process) {
        for (String list : LISTS) {
            for (JsonNode row : state.path(list)) {
                if (row instanceof ObjectNode object) {
                    object.put("process", process);
                }
            }
        }
        return state;
    }

    /** A process that answered: its health and counts. */
    public static ObjectNode up(String process, JsonNode health, JsonNode counts) {
        ObjectNode row = Json.object().put("process", process).put("status", "up");
        health.fields().forEachRemaining(field -> row.set(field.getKey(), field.getValue()));
        row.set("counts", counts);
        return row;
    }

    /** A process known to the site that did not answer in time. */
    public static ObjectNode missing(String process, long lastSeenSeconds) {
        return Json.object().put("process", process).put("status", "missing").put("last_seen_s", lastSeenSeconds);
    }

    /** The state of one process, as the admin view of a single-process site shows it. */
    public static ObjectNode single(String process, ObjectNode state, ObjectNode health) {
        tag(state, process);
        ArrayNode processes = Json.object().arrayNode();
        processes.add(up(process, health, state.path("counts")));
        state.set("processes", processes);
        return state;
    }
}
