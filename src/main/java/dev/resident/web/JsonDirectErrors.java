package dev.resident.web;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;

/**
 * The answers Helidon gives before routing (an unparsable request line, two {@code Content-Length}s,
 * an unknown {@code Transfer-Encoding}, a bad WebSocket handshake, ...) in Resident's JSON error
 * shape instead of an empty or plain-text body. The connection is closed after them, whatever the
 * event type says: bytes after a misframed request must never run as a second request.
 *
 * <p>A request that failed to be read with an error Helidon did not expect (a head cut short by its
 * client, a control character in the method) reaches here as an internal error: it is the client's,
 * and answers 400. Helidon logs every 500 it answers here with a stack trace, which any client could
 * otherwise have had written for each of its connections.
 */
public final class JsonDirectErrors implements DirectHandler {
    /** Longest message echoed; Helidon only hands over messages it marked safe. */
    private static final int MAX_MESSAGE = 200;
    private static final System.Logger LOGGER = System.getLogger(JsonDirectErrors.class.getName());

    private JsonDirectErrors() {
    }

    /** Direct handlers for every event type, to pass to {@code WebServerConfig.Builder#directHandlers}. */
    public static DirectHandlers create() {
        JsonDirectErrors handler = new JsonDirectErrors();
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (EventType type : EventType.values()) {
            builder.addHandler(type, handler);
        }
        return builder.build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        Status answered = eventType == EventType.INTERNAL_ERROR && defaultStatus.code() == 500
                ? Status.BAD_REQUEST_400 : defaultStatus;
        if (answered != defaultStatus) {
            LOGGER.log(System.Logger.Level.DEBUG, "a request that could not be read: " + message);
            message = "the request could not be read";
        }
        int status = answered.code();
        String code = switch (status) {
            case 403 -> "forbidden";
            case 413 -> "too_large";
            case 429 -> "rate_limited";
            case 503 -> "unavailable";
            case 505 -> "http_version"; // the client's HTTP/1.0 (or 2.0 without upgrade): nothing failed here
            default -> status >= 500 ? "internal" : "bad_request";
        };
        String text = message == null || message.isBlank() ? answered.reasonPhrase() : message;
        if (text.length() > MAX_MESSAGE) {
            text = text.substring(0, MAX_MESSAGE);
        }
        responseHeaders.set(HeaderNames.CONTENT_TYPE, "application/json");
        responseHeaders.set(HeaderValues.CONNECTION_CLOSE);
        if (status == 503) {
            responseHeaders.set(HeaderNames.RETRY_AFTER, "5");
        }
        return TransportResponse.builder()
                .status(answered)
                .headers(responseHeaders)
                .keepAlive(false)
                .entity("{\"error\":" + Errors.body(code, text) + "}")
                .build();
    }
}
