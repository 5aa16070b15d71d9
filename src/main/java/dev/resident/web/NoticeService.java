package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.resident.bus.Broadcast;
import dev.resident.bus.Bus;
import dev.resident.bus.UserNotice;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Extension of PROTOCOL.md for trusted apps (admin token): {@code POST /_/notify
 * {"user","topic","payload"?,"from"?}} and {@code POST /_/broadcast {"topic","payload"?}}, through
 * the same bus as page code, so a legacy app can reach resident pages.
 */
public final class NoticeService implements HttpService {
    private final Bus bus;
    private final WebSettings settings;
    private final Bodies bodies;

    NoticeService(Bus bus, WebSettings settings, Bodies bodies) {
        this.bus = bus;
        this.bodies = bodies;
        this.settings = settings;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/notify", this::notifyUser)
                .post("/broadcast", this::broadcast);
    }

    private void notifyUser(ServerRequest req, ServerResponse res) {
        AdminToken.require(req, settings.adminToken());
        try (Bodies.Body read = bodies.object(req)) {
            JsonNode body = read.json();
            JsonNode from = body.get("from");
            bus.notifyUser(new UserNotice(Responses.busName(body, "user"), Responses.string(body, "topic"),
                    payload(body), from != null && from.isTextual() ? from.textValue() : null));
        }
        res.status(Status.ACCEPTED_202);
        Responses.json(res, "{}");
    }

    private void broadcast(ServerRequest req, ServerResponse res) {
        AdminToken.require(req, settings.adminToken());
        try (Bodies.Body read = bodies.object(req)) {
            bus.broadcast(new Broadcast(Responses.string(read.json(), "topic"), payload(read.json())));
        }
        res.status(Status.ACCEPTED_202);
        Responses.json(res, "{}");
    }

    private static JsonNode payload(JsonNode body) {
        JsonNode payload = body.get("payload");
        return payload == null ? NullNode.getInstance() : payload;
    }
}
