package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.bus.BusNames;
import dev.resident.json.Json;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;

/** Writing JSON answers, and the fields of JSON bodies ({@link Bodies} reads them). */
final class Responses {
    /** {@code Content-Type: application/json}, its bytes made once. */
    private static final io.helidon.http.Header JSON = HeaderValues.CONTENT_TYPE_JSON;

    private Responses() {
    }

    static void json(ServerResponse res, String json) {
        json(res, json.getBytes(StandardCharsets.UTF_8));
    }

    /** JSON already encoded as UTF-8. */
    static void json(ServerResponse res, byte[] json) {
        SecurityHeaders.noSniff(res);
        SecurityHeaders.noStore(res);
        res.header(JSON).send(json);
    }

    static void json(ServerResponse res, Status status, String json) {
        res.status(status);
        json(res, json);
    }

    /** A required table or user name, within {@link BusNames}' bounds. */
    static String busName(JsonNode body, String field) {
        String name = string(body, field);
        try {
            return BusNames.check(field, name);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage());
        }
    }

    /** A required string field. */
    static String string(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return string(value == null || !value.isTextual() ? null : value.textValue(), field);
    }

    /** A required string field read already: {@code value} is null when absent or not a string. */
    static String string(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw ApiError.badRequest(field + " must be a non-empty string");
        }
        return value;
    }
}
