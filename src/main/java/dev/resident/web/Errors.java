package dev.resident.web;

import dev.resident.bus.TooLargeForBus;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.ops.BoundedErrorLog;
import dev.resident.page.PageException;
import dev.resident.page.engine.PageMoved;
import dev.resident.state.StateUnavailable;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * Turns every failure into {@code {"error":{"code","message"}}}: protocol errors keep their
 * status, anything unexpected becomes a logged 500 {@code internal} with an id and no stack trace
 * on the wire.
 */
public final class Errors {
    private static final System.Logger LOGGER = System.getLogger(Errors.class.getName());
    /** The longest error message a client gets, in characters. */
    public static final int MAX_MESSAGE_CHARS = 1024;

    /** Twenty stacks a minute, two hundred lines, then only their number. */
    private static final BoundedErrorLog INTERNAL_LOG = new BoundedErrorLog(LOGGER, Level.ERROR, Duration.ofMinutes(1),
            20, 200);

    private Errors() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiError.class, (req, res, e) -> send(res, e))
                .error(PageMoved.class, (req, res, e) -> moved(res, e))
                .error(StateUnavailable.class, (req, res, e) -> send(res, 503, "unavailable",
                        "the state store is unreachable; try again"))
                .error(PageException.class, (req, res, e) -> send(res, e))
                .error(TooLargeForBus.class, (req, res, e) -> send(res, 413, "too_large", e.getMessage()))
                .error(Json.MalformedJsonException.class, (req, res, e) -> send(res, 400, "bad_request", e.getMessage()))
                .error(HttpException.class, (req, res, e) -> http(res, e))
                .error(Exception.class, (req, res, e) -> internal(res, e));
    }

    /** Sends an error answer (with {@code Retry-After} on 503). */
    public static void send(ServerResponse res, int status, String code, String message) {
        if (status == 503 && !res.headers().contains(HeaderNames.RETRY_AFTER)) {
            res.header(HeaderNames.RETRY_AFTER, "5");
        }
        res.status(Status.create(status));
        Responses.json(res, "{\"error\":" + body(code, message) + "}");
    }

    /** 409 {@code page_moved} with the page's current id beside the error, so the client follows it. */
    private static void moved(ServerResponse res, PageMoved e) {
        res.status(Status.CONFLICT_409);
        Responses.json(res, "{\"error\":" + body(e.code(), e.getMessage()) + ",\"page_id\":"
                + Json.write(e.pageId()) + "}");
    }

    /** Sends a {@link PageException}, with its {@code Retry-After} when it has one. */
    private static void send(ServerResponse res, PageException e) {
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        send(res, e.status(), e.code(), e.getMessage());
    }

    /** Sends an {@link ApiError}, with its {@code Retry-After} when it has one. */
    static void send(ServerResponse res, ApiError e) {
        if (e.closesConnection()) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        if (e.retryAfterSeconds() > 0) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        }
        send(res, e.status(), e.code(), e.getMessage());
    }

    /** The {@code {"code","message"}} object. */
    public static String body(String code, String message) {
        return Json.write(Json.object().put("code", code).put("message", shown(message)));
    }

    /**
     * An error's message as a client gets it: cut to {@link #MAX_MESSAGE_CHARS} (then "…"). A
     * message may repeat what the client sent (a method's name, a path), and a client that does
     * not read its answers would keep them in the heap at their full size.
     */
    public static String shown(String message) {
        if (message == null || message.length() <= MAX_MESSAGE_CHARS) {
            return message;
        }
        int end = Character.isHighSurrogate(message.charAt(MAX_MESSAGE_CHARS - 1)) ? MAX_MESSAGE_CHARS - 1 : MAX_MESSAGE_CHARS;
        return message.substring(0, end) + "…";
    }

    /**
     * Logs an unexpected failure under a fresh id and returns that id; within {@link #INTERNAL_LOG}'s
     * budget, as a client may cause one per request.
     */
    public static String logInternal(Throwable e) {
        String id = Ids.newId().substring(0, 12);
        INTERNAL_LOG.log("internal error id=" + id, e);
        return id;
    }

    /**
     * Helidon's own refusals (no route: 404, unreadable request: 400) are answers, not bugs; a 304
     * (a static file revalidated by its ETag) is an answer without a body, which the file's
     * handler has given its headers.
     */
    private static void http(ServerResponse res, HttpException e) {
        int status = e.status().code();
        if (status == 304) {
            res.status(e.status());
            res.send(); // a body (the JSON error) made Helidon log a warning and answer 500
        } else if (status >= 500) {
            internal(res, e);
        } else {
            send(res, status, status == 404 ? "not_found" : "bad_request", e.getMessage());
        }
    }

    private static void internal(ServerResponse res, Throwable e) {
        String id = logInternal(e);
        res.status(Status.INTERNAL_SERVER_ERROR_500);
        Responses.json(res, "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\",\"id\":\"" + id + "\"}}");
    }
}
