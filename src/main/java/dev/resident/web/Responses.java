package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.bus.BusNames;
import dev.resident.json.Json;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/** Reading bounded JSON bodies and writing JSON answers. */
final class Responses {
    private static final Set<String> JSON_TYPES = Set.of("application/json");
    private static final Set<String> BEACON_TYPES = Set.of("application/json", "text/plain");
    private static final io.helidon.http.Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json");

    private Responses() {
    }

    static void json(ServerResponse res, String json) {
        SecurityHeaders.noSniff(res);
        res.header(JSON).send(json.getBytes(StandardCharsets.UTF_8));
    }

    static void json(ServerResponse res, Status status, String json) {
        res.status(status);
        json(res, json);
    }

    /**
     * The request body as a JSON object, read up to {@code maxBytes}; it must be declared
     * {@code application/json}, a type that a cross-site HTML form cannot send.
     *
     * @throws ApiError 415 for another type, 413 when larger, 400 when not a JSON object
     */
    static JsonNode objectBody(ServerRequest req, int maxBytes) {
        requireType(req, JSON_TYPES);
        return readObject(req, maxBytes);
    }

    /**
     * Like {@link #objectBody} but also takes {@code text/plain}: what {@code navigator.sendBeacon}
     * sends for a string. Only for idempotent calls on the caller's own objects ({@code /_/close});
     * {@link CrossSiteGuard} still refuses it from another site.
     */
    static JsonNode beaconBody(ServerRequest req, int maxBytes) {
        requireType(req, BEACON_TYPES);
        return readObject(req, maxBytes);
    }

    private static void requireType(ServerRequest req, Set<String> accepted) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        if (!accepted.contains(media)) {
            throw new ApiError(415, "unsupported_media_type", "the body must be sent as application/json");
        }
    }

    private static JsonNode readObject(ServerRequest req, int maxBytes) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            throw ApiError.tooLarge("body larger than " + maxBytes + " bytes");
        }
        byte[] bytes;
        try (InputStream in = req.content().inputStream()) {
            bytes = readUpTo(in, maxBytes + 1, declared);
            if (bytes.length > maxBytes) {
                throw ApiError.tooLarge("body larger than " + maxBytes + " bytes");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ApiError e) {
            throw e;
        } catch (RuntimeException e) {
            // Helidon's chunk parser throws NumberFormatException for a bad or overflowing chunk
            // size: the client's mistake, and the rest of the connection cannot be trusted
            throw ApiError.badRequest("unreadable request body").closingConnection();
        }
        if (bytes.length == 0) {
            throw ApiError.badRequest("a JSON object body is required");
        }
        JsonNode body = Json.parse(bytes);
        if (!body.isObject()) {
            throw ApiError.badRequest("body must be a JSON object");
        }
        return body;
    }

    /**
     * At most {@code limit} bytes of {@code in}, into an array sized by the declared length (or
     * grown from 512 bytes when none is declared). {@code InputStream.readNBytes(limit)} would
     * allocate and zero a 16 KB chunk for every body, even a 2-byte one: with 1 MB bodies allowed,
     * that was 17 % of the server's CPU samples under {@code rpc inc c64} (zeroing, and page faults
     * while the heap grew; bench/README, "Fifth session").
     */
    private static byte[] readUpTo(InputStream in, int limit, long declared) throws IOException {
        int size = declared >= 0 && declared < limit ? (int) declared : Math.min(limit, 512);
        byte[] buffer = new byte[size];
        int filled = 0;
        while (true) {
            if (filled == buffer.length) {
                if (filled == declared || filled >= limit) {
                    return buffer; // the declared length is what Helidon's stream delivers
                }
                buffer = Arrays.copyOf(buffer, (int) Math.min(limit, 2L * buffer.length));
            }
            int read = in.read(buffer, filled, buffer.length - filled);
            if (read < 0) {
                return filled == buffer.length ? buffer : Arrays.copyOf(buffer, filled);
            }
            filled += read;
        }
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
        if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
            throw ApiError.badRequest(field + " must be a non-empty string");
        }
        return value.textValue();
    }
}
