package dev.resident.web;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;

/**
 * JSON replies that may be large (a poll's or an rpc's replayed messages, a page's data, its open
 * answer, a job's state with its result): one of
 * more than {@link Bodies#FREE} bytes counts against the budget for bodies, under its client's
 * address, while it is written. A client that does not read holds its reply in the heap for as
 * long as it likes; counted, such replies cannot add up past the budget or the address's share.
 */
final class Replies {
    private final Bodies bodies;
    private final Connections connections;

    Replies(Bodies bodies, Connections connections) {
        this.bodies = bodies;
        this.connections = connections;
    }

    /**
     * Sends {@code json}, counted while it is written when large.
     *
     * @throws ApiError 503 past the budget, 429 past the address's share: nothing was sent
     */
    void send(ServerRequest req, ServerResponse res, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= Bodies.FREE) {
            Responses.json(res, bytes);
            return;
        }
        try (Bodies.Body held = bodies.held(connections.clientAddress(req))) {
            held.hold(bytes.length);
            Responses.json(res, bytes);
        }
    }
}
