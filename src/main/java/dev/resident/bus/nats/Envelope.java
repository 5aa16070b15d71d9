package dev.resident.bus.nats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.Broadcast;
import dev.resident.bus.DbEvent;
import dev.resident.bus.UserNotice;
import dev.resident.json.Json;

import java.nio.charset.StandardCharsets;

/**
 * The wire format of bus messages, version 1: a JSON object with {@code "v":1}, the origin
 * {@code "process"} and the event's fields ({@code table, events, origin?} | {@code user, topic,
 * payload, from?} | {@code topic, payload} | {@code session}). Readers ignore fields they do not know; a change
 * that old readers would misread gets a new {@code v}, which they drop as malformed.
 */
final class Envelope {
    static final int VERSION = 1;
    private final String process;

    /** @param process the origin id written into every message */
    Envelope(String process) {
        this.process = process;
    }

    byte[] dbevent(DbEvent event) {
        ObjectNode body = header().put("table", event.table());
        body.set("events", event.events());
        if (event.origin() != null) {
            body.put("origin", event.origin());
        }
        return bytes(body);
    }

    /** The events {@code [{"action":"*"}]}: the table may have changed in ways its pages were not told (reload). */
    static ArrayNode reloadAll() {
        ArrayNode events = Json.array();
        events.addObject().put("action", "*");
        return events;
    }

    byte[] notice(UserNotice notice) {
        ObjectNode body = header().put("user", notice.user()).put("topic", notice.topic());
        body.set("payload", notice.payload());
        if (notice.from() != null) {
            body.put("from", notice.from());
        }
        return bytes(body);
    }

    byte[] broadcast(Broadcast broadcast) {
        ObjectNode body = header().put("topic", broadcast.topic());
        body.set("payload", broadcast.payload());
        return bytes(body);
    }

    byte[] sessionReplaced(String sessionId) {
        return bytes(header().put("session", sessionId));
    }

    static Received<DbEvent> readDbEvent(byte[] data) {
        JsonNode body = open(data);
        if (!(body.get("events") instanceof ArrayNode events)) {
            throw new MalformedMessage("events must be a list");
        }
        return new Received<>(text(body, "process"),
                new DbEvent(text(body, "table"), events, optionalText(body, "origin")));
    }

    static Received<UserNotice> readNotice(byte[] data) {
        JsonNode body = open(data);
        return new Received<>(text(body, "process"), new UserNotice(text(body, "user"), text(body, "topic"),
                payload(body), optionalText(body, "from")));
    }

    static Received<Broadcast> readBroadcast(byte[] data) {
        JsonNode body = open(data);
        return new Received<>(text(body, "process"), new Broadcast(text(body, "topic"), payload(body)));
    }

    static Received<String> readSessionReplaced(byte[] data) {
        JsonNode body = open(data);
        return new Received<>(text(body, "process"), text(body, "session"));
    }

    /**
     * The bytes every message this process writes starts with, up to its first event field: how a
     * reader tells its own message from another's without decoding it.
     */
    byte[] ownPrefix() {
        String header = Json.write(header());
        return (header.substring(0, header.length() - 1) + ",").getBytes(StandardCharsets.UTF_8);
    }

    private ObjectNode header() {
        return Json.object().put("v", VERSION).put("process", process);
    }

    private static byte[] bytes(ObjectNode body) {
        return Json.write(body).getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode open(byte[] data) {
        if (data == null || data.length == 0) {
            throw new MalformedMessage("empty");
        }
        JsonNode body;
        try {
            body = Json.parse(data);
        } catch (Json.MalformedJsonException e) {
            throw new MalformedMessage("not JSON");
        }
        if (!body.isObject()) {
            throw new MalformedMessage("not a JSON object");
        }
        JsonNode version = body.get("v");
        if (version == null || !version.isInt() || version.intValue() != VERSION) {
            throw new MalformedMessage("unsupported version " + version);
        }
        return body;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw new MalformedMessage(field + " must be a string");
        }
        return value.textValue();
    }

    private static String optionalText(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value == null || value.isNull() ? null : text(body, field);
    }

    private static JsonNode payload(JsonNode body) {
        JsonNode payload = body.get("payload");
        if (payload == null) {
            throw new MalformedMessage("payload is missing");
        }
        return payload;
    }

    /**
     * A decoded message.
     *
     * @param process the origin id of the process that published it
     * @param event   what it carries
     */
    record Received<T>(String process, T event) {
    }

    /** A bus message that does not follow this format; it is counted and dropped. */
    static final class MalformedMessage extends RuntimeException {
        MalformedMessage(String message) {
            super(message, null, false, false);
        }
    }
}
