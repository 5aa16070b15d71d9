package dev.resident.dbevents.pg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a NOTIFY payload of the dbevents trigger: {@code {"table","action":"I"|"U"|"D","pkey",
 * "record"?}}, or {@code {"table","action":"*"}} after a TRUNCATE. Anyone allowed to connect to the
 * database can NOTIFY on the channel, so everything is checked and bounded.
 */
final class Payloads {
    /** PostgreSQL refuses longer payloads; a longer one cannot come from the server. */
    static final int MAX_PAYLOAD = 8000;
    /**
     * A bare PostgreSQL identifier of at most 63 characters (as {@code TG_TABLE_NAME} gives it), or
     * two joined by a dot (a name given with {@code resident_watch(..., as_name => 'pkg.table')}).
     */
    private static final Pattern TABLE = Pattern.compile(
            "[\\p{L}_][\\p{L}\\p{N}_$]{0,62}(\\.[\\p{L}_][\\p{L}\\p{N}_$]{0,62})?");
    private static final Set<String> ROW_ACTIONS = Set.of("I", "U", "D");
    static final String EVERYTHING = "*";

    private Payloads() {
    }

    static boolean validTable(String table) {
        return table != null && TABLE.matcher(table).matches();
    }

    /**
     * @return the table and the event for pages: {@code {"action","pkey","record"?}} or {@code {"action":"*"}}
     * @throws Malformed when the payload is not such an object
     */
    static Change parse(String payload) {
        if (payload == null || payload.isEmpty() || payload.length() > MAX_PAYLOAD) {
            throw new Malformed("empty or longer than " + MAX_PAYLOAD);
        }
        JsonNode body;
        try {
            body = Json.parse(payload);
        } catch (RuntimeException e) {
            throw new Malformed("not JSON");
        }
        if (!body.isObject()) {
            throw new Malformed("not a JSON object");
        }
        String table = body.path("table").isTextual() ? body.get("table").textValue() : null;
        if (!validTable(table)) {
            throw new Malformed("table is not a table name of at most 63 characters");
        }
        String action = body.path("action").isTextual() ? body.get("action").textValue() : "";
        ObjectNode event = Json.object().put("action", action);
        if (action.equals(EVERYTHING)) {
            return new Change(table, event);
        }
        if (!ROW_ACTIONS.contains(action)) {
            throw new Malformed("action is not I, U, D or *");
        }
        if (!body.has("pkey") || body.get("pkey").isContainerNode() && !body.get("pkey").isObject()) {
            throw new Malformed("pkey missing or an array");
        }
        event.set("pkey", body.get("pkey"));
        JsonNode record = body.get("record");
        if (record != null && !record.isNull()) {
            if (!record.isObject()) {
                throw new Malformed("record is not an object");
            }
            event.set("record", record);
        }
        return new Change(table, event);
    }

    /** An event for the pages of one table. */
    static ObjectNode everything() {
        return Json.object().put("action", EVERYTHING);
    }

    /**
     * One changed row (or a whole table) as pages receive it.
     *
     * @param table the name pages subscribe to: the bare table name, or the one it was watched as
     * @param event {@code {"action","pkey","record"?}}
     */
    record Change(String table, ObjectNode event) {
    }

    /** A payload that is not what the trigger sends. */
    static final class Malformed extends RuntimeException {
        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }
}
