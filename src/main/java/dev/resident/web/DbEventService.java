package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resident.bus.Bus;
import dev.resident.bus.DbEvent;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Set;

/**
 * {@code POST /_/dbevent}: lets an external or legacy app publish table changes to resident pages
 * through the same bus as in-process dbevents. Guarded by the admin bearer token.
 */
public final class DbEventService implements HttpService {
    private static final Set<String> ACTIONS = Set.of("I", "U", "D");
    private final Bus bus;
    private final WebSettings settings;
    private final Bodies bodies;

    DbEventService(Bus bus, WebSettings settings, Bodies bodies) {
        this.bus = bus;
        this.bodies = bodies;
        this.settings = settings;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/dbevent", this::publish);
    }

    private void publish(ServerRequest req, ServerResponse res) {
        AdminToken.require(req, settings.adminToken());
        try (Bodies.Body read = bodies.object(req)) {
            publish(res, read.json());
        }
    }

    private void publish(ServerResponse res, JsonNode body) {
        String table = Responses.busName(body, "table");
        ArrayNode events = events(body.get("events"));
        JsonNode origin = body.get("origin");
        if (origin != null && !origin.isNull() && !origin.isTextual()) {
            throw ApiError.badRequest("origin must be a string");
        }
        bus.publish(new DbEvent(table, events, origin == null || origin.isNull() ? null : origin.textValue()));
        Responses.json(res, Status.ACCEPTED_202, "{\"accepted\":" + events.size() + "}");
    }

    private static ArrayNode events(JsonNode events) {
        if (events == null || !events.isArray() || events.isEmpty()) {
            throw ApiError.badRequest("events must be a non-empty list");
        }
        for (JsonNode event : events) {
            if (!event.isObject() || !event.path("action").isTextual() || !ACTIONS.contains(event.get("action").textValue())) {
                throw ApiError.badRequest("every event needs an action I, U or D");
            }
            if (!event.has("pkey")) {
                throw ApiError.badRequest("every event needs a pkey");
            }
        }
        return (ArrayNode) events;
    }
}
