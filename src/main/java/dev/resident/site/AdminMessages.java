package dev.resident.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.web.AdminRows;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The admin messages between processes, JSON objects with {@code "v":1}:
 * <ul>
 *   <li>hello: {@code {"v":1,"process","answer","leaving"?}} ({@code leaving}: it stops, forget it)</li>
 *   <li>request: {@code {"v":1,"from","action":"state"|"drop_page"|"drop_socket"|"drain","page_id"?}}</li>
 *   <li>state reply: {@code {"v":1,"process","health","state","known":{process: last seen ms}}}</li>
 *   <li>action reply: {@code {"v":1,"process","status","code"?,"message"?}}</li>
 * </ul>
 * Everything read is checked and bounded; what does not follow the format is {@link Malformed}.
 */
final class AdminMessages {
    static final int VERSION = 1;
    static final Set<String> ACTIONS = Set.of("state", "drop_page", "drop_socket", "drain");
    private static final int MAX_NAME = 128;
    private static final int MAX_TEXT = 500;
    /** Rows kept of each list a process sends. */
    static final int MAX_ROWS = 500;

    private AdminMessages() {
    }

    static byte[] hello(String process, boolean answer) {
        return bytes(header().put("process", process).put("answer", answer));
    }

    /** A process that stops says so, so that the others do not list it as missing. */
    static byte[] leaving(String process) {
        return bytes(header().put("process", process).put("answer", true).put("leaving", true));
    }

    static byte[] request(String from, String action, String pageId) {
        ObjectNode body = header().put("from", from).put("action", action);
        if (pageId != null) {
            body.put("page_id", pageId);
        }
        return bytes(body);
    }

    static byte[] stateReply(String process, ObjectNode health, ObjectNode state, Map<String, Long> known) {
        ObjectNode body = header().put("process", process);
        body.set("health", health);
        body.set("state", state);
        ObjectNode knownNode = body.putObject("known");
        known.forEach(knownNode::put);
        return bytes(body);
    }

    static byte[] actionReply(String process, int status, String code, String message) {
        ObjectNode body = header().put("process", process).put("status", status);
        if (code != null) {
            body.put("code", code).put("message", message);
        }
        return bytes(body);
    }

    /**
     * Drops the last half of each of the state's lists (a list of one row loses it), the oldest
     * rows: a state too large for one message is sent with fewer.
     *
     * @return false when every list was empty already
     */
    static boolean halveRows(ObjectNode state) {
        boolean any = false;
        for (String list : AdminRows.LISTS) {
            if (state.get(list) instanceof ArrayNode rows && !rows.isEmpty()) {
                any = true;
                int keep = rows.size() / 2;
                while (rows.size() > keep) {
                    rows.remove(rows.size() - 1);
                }
            }
        }
        return any;
    }

    record Hello(String process, boolean answer, boolean leaving) {
    }

    record Request(String from, String action, String pageId) {
    }

    record StateReply(String process, ObjectNode health, ObjectNode state, Map<String, Long> known) {
    }

    record ActionReply(String process, int status, String code, String message) {
    }

    static Hello readHello(byte[] data) {
        JsonNode body = open(data);
        return new Hello(name(body, "process"), body.path("answer").asBoolean(false),
                body.path("leaving").asBoolean(false));
    }

    static Request readRequest(byte[] data) {
        JsonNode body = open(data);
        String action = name(body, "action");
        if (!ACTIONS.contains(action)) {
            throw new Malformed("unknown action");
        }
        String pageId = action.startsWith("drop_") ? name(body, "page_id") : null;
        return new Request(name(body, "from"), action, pageId);
    }

    static StateReply readStateReply(byte[] data) {
        JsonNode body = open(data);
        String process = name(body, "process");
        if (!(body.get("health") instanceof ObjectNode health) || !(body.get("state") instanceof ObjectNode state)) {
            throw new Malformed("health and state must be objects");
        }
        if (!(state.get("counts") instanceof ObjectNode counts)) {
            throw new Malformed("counts must be an object");
        }
        for (String count : AdminRows.COUNTS) {
            if (!counts.path(count).canConvertToLong()) {
                throw new Malformed("counts." + count + " must be a number");
            }
        }
        for (String list : AdminRows.LISTS) {
            if (!(state.get(list) instanceof ArrayNode rows)) {
                throw new Malformed(list + " must be a list");
            }
            while (rows.size() > MAX_ROWS) {
                rows.remove(rows.size() - 1);
            }
            rows.forEach(row -> {
                if (!row.isObject()) {
                    throw new Malformed(list + " rows must be objects");
                }
            });
        }
        Map<String, Long> known = new HashMap<>();
        JsonNode knownNode = body.path("known");
        if (!knownNode.isObject() || knownNode.size() > KnownProcesses.MAX) {
            throw new Malformed("known must be an object of at most " + KnownProcesses.MAX + " processes");
        }
        knownNode.fields().forEachRemaining(entry -> {
            if (entry.getKey().isEmpty() || entry.getKey().length() > MAX_NAME || !entry.getValue().canConvertToLong()) {
                throw new Malformed("known holds process names and times");
            }
            known.put(entry.getKey(), entry.getValue().longValue());
        });
        return new StateReply(process, health, state, known);
    }

    static ActionReply readActionReply(byte[] data) {
        JsonNode body = open(data);
        JsonNode status = body.get("status");
        if (status == null || !status.isInt() || status.intValue() < 200 || status.intValue() > 599) {
            throw new Malformed("status must be an HTTP status");
        }
        boolean error = status.intValue() >= 400;
        return new ActionReply(name(body, "process"), status.intValue(),
                error ? name(body, "code") : null, error ? text(body, "message", MAX_TEXT) : null);
    }

    private static ObjectNode header() {
        return Json.object().put("v", VERSION);
    }

    private static byte[] bytes(ObjectNode body) {
        return Json.write(body).getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode open(byte[] data) {
        if (data == null || data.length == 0) {
            throw new Malformed("empty");
        }
        JsonNode body;
        try {
            body = Json.parse(data);
        } catch (Json.MalformedJsonException e) {
            throw new Malformed("not JSON");
        }
        if (!body.isObject() || !body.path("v").isInt() || body.path("v").intValue() != VERSION) {
            throw new Malformed("not a version " + VERSION + " object");
        }
        return body;
    }

    private static String name(JsonNode body, String field) {
        String value = text(body, field, MAX_NAME);
        if (value.isEmpty()) {
            throw new Malformed(field + " must not be empty");
        }
        return value;
    }

    private static String text(JsonNode body, String field, int max) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual() || value.textValue().length() > max) {
            throw new Malformed(field + " must be a string of at most " + max + " characters");
        }
        return value.textValue();
    }

    /** An admin message that does not follow the format: counted and ignored. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
