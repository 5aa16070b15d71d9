package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.json.RpcBody;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reading JSON request bodies within two bounds: each body at most {@code maxBytes} (413
 * {@code too_large}), and the heap that bodies hold at once, process-wide. A body holds its bytes
 * while it is read, then its parsed tree (its bytes and {@link #HEAP_PER_TOKEN} a token) until the
 * request that read it ends ({@link Body#close}): a call waiting for a busy page keeps its
 * params. Each body's first {@link #FREE} bytes of that are not counted, so the usual call never
 * touches the count. Past the budget a request gets 503 {@code unavailable} with
 * {@code Retry-After}: however many connections a client holds, its bodies sent slowly or its
 * calls queued on a page cannot fill the heap. One client address may hold only its share of the
 * budget (429 {@code rate_limited} beyond), so that it cannot keep every other client's large
 * bodies waiting; its address is looked up only for a body that counts.
 */
final class Bodies {
    /** Heap of a body that is not counted: a call's usual body and tree are far smaller. */
    static final long FREE = 16 * 1024;
    /** About what a parsed tree holds per token: a node, its slot in its parent, a field name. */
    static final int HEAP_PER_TOKEN = 48;
    private static final Set<String> JSON_TYPES = Set.of("application/json");
    private static final Set<String> BEACON_TYPES = Set.of("application/json", "text/plain");
    private final int maxBytes;
    private final ClientAddress addresses;
    private final ClientShares shares;

    /**
     * @param maxBytes  the largest body
     * @param shares    the heap that all bodies together may hold beyond their free share, and each
     *                  client address's share of it
     * @param addresses the client's address as the per-address limits key it
     */
    Bodies(int maxBytes, ClientShares shares, ClientAddress addresses) {
        this.maxBytes = maxBytes;
        this.addresses = addresses;
        this.shares = shares;
    }

    /**
     * The request body as a JSON object; it must be declared {@code application/json}, a type that
     * a cross-site HTML form cannot send. Close it when the request is done with it.
     *
     * @throws ApiError 415 for another type, 413 when larger, 400 when not a JSON object, 503 past the budget
     */
    Body object(ServerRequest req) {
        requireType(req, JSON_TYPES);
        return read(req, Bodies::tree);
    }

    /**
     * Like {@link #object}, for an rpc: the body is read as an {@link RpcBody} ({@link Body#call}),
     * which makes a tree of its {@code params} only.
     */
    Body call(ServerRequest req) {
        requireType(req, JSON_TYPES);
        return read(req, Bodies::call);
    }

    /**
     * Like {@link #object} but also takes {@code text/plain}: what {@code navigator.sendBeacon}
     * sends for a string. Only for idempotent calls on the caller's own objects ({@code /_/close});
     * {@link CrossSiteGuard} still refuses it from another site.
     */
    Body beacon(ServerRequest req) {
        requireType(req, BEACON_TYPES);
        return read(req, Bodies::tree);
    }

    /** The heap counted now (beyond each body's free share). */
    long held() {
        return shares.held();
    }

    private static void requireType(ServerRequest req, Set<String> accepted) {
        String type = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("");
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        if (!accepted.contains(media)) {
            throw new ApiError(415, "unsupported_media_type", "the body must be sent as application/json");
        }
    }

    private Body read(ServerRequest req, Parse parse) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBytes) {
            throw ApiError.tooLarge("body larger than " + maxBytes + " bytes");
        }
        Body body = new Body(() -> addresses.of(req));
        try {
            byte[] bytes;
            BodyDeadline timed = BodyDeadline.start();
            try (timed; InputStream in = req.content().inputStream()) {
                bytes = readUpTo(in, maxBytes + 1, declared, body);
            } catch (ApiError e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                if (timed.cut() || BrokenConnection.in(e)) {
                    // no answer can reach the client: trying one would only log Helidon's complaint
                    throw new CloseConnectionException("request body cut", e);
                }
                // Helidon's chunk parser throws NumberFormatException for a bad or overflowing chunk
                // size, and an end of stream before the declared length: the client's mistake, and
                // the rest of the connection cannot be trusted
                throw ApiError.badRequest("unreadable request body").closingConnection();
            }
            if (bytes.length > maxBytes) {
                throw ApiError.tooLarge("body larger than " + maxBytes + " bytes");
            }
            if (bytes.length == 0) {
                throw ApiError.badRequest("a JSON object body is required");
            }
            parse.into(bytes, body);
            return body;
        } catch (RuntimeException e) {
            body.close();
            throw e;
        }
    }

    /** Parses a body's bytes into {@code body}, counting what it holds; a body that is not a JSON object gets 400. */
    @FunctionalInterface
    private interface Parse {
        void into(byte[] bytes, Body body);
    }

    private static void tree(byte[] bytes, Body body) {
        Json.Counted parsed = Json.parseCounted(bytes);
        body.hold(bytes.length + parsed.tokens() * HEAP_PER_TOKEN);
        if (!parsed.node().isObject()) {
            throw notAnObject();
        }
        body.json = parsed.node();
    }

    private static void call(byte[] bytes, Body body) {
        RpcBody parsed = RpcBody.parse(bytes);
        body.hold(bytes.length + parsed.tokens() * HEAP_PER_TOKEN);
        if (!parsed.object()) {
            throw notAnObject();
        }
        body.call = parsed;
    }

    private static ApiError notAnObject() {
        return ApiError.badRequest("body must be a JSON object");
    }

    /**
     * At most {@code limit} bytes of {@code in}, into an array sized by the declared length up to
     * {@link #FREE} (or from 512 bytes when none is declared), doubled as bytes come: a declared
     * length alone allocates nothing beyond that, and what grows is counted ({@code body}).
     * {@code InputStream.readNBytes(limit)} would allocate and zero a 16 KB chunk for every body,
     * even a 2-byte one: with 1 MB bodies allowed, that was 17 % of the server's CPU samples under
     * {@code rpc inc c64} (bench/README, "Fifth session").
     */
    private static byte[] readUpTo(InputStream in, int limit, long declared, Body body) throws IOException {
        int size = declared >= 0 && declared < limit ? (int) Math.min(declared, FREE) : Math.min(limit, 512);
        byte[] buffer = new byte[size];
        int filled = 0;
        while (true) {
            if (filled == buffer.length) {
                if (filled == declared || filled >= limit) {
                    return buffer; // the declared length is what Helidon's stream delivers
                }
                int grown = (int) Math.min(limit, 2L * buffer.length);
                if (declared > filled) {
                    grown = (int) Math.min(grown, declared); // no more than was declared
                }
                try {
                    body.hold(grown);
                } catch (ApiError full) {
                    // the rest (up to the limit) is read and dropped, so that the answer reaches the
                    // client: closing with bytes unread would reset the connection, and the answer
                    throw skipRest(in, limit - filled) ? full : full.closingConnection();
                }
                buffer = Arrays.copyOf(buffer, grown);
            }
            int read = in.read(buffer, filled, buffer.length - filled);
            if (read < 0) {
                return filled == buffer.length ? buffer : Arrays.copyOf(buffer, filled);
            }
            filled += read;
        }
    }

    /**
     * A WebSocket message of the client at {@code address}, counted like a body (its text, two
     * bytes a char, and its tree, as if all of it were one) until its call has run. The count
     * holds no tree ({@link Body#json} is null): the caller keeps what it read. Close it when the
     * message is handled.
     *
     * @param tokens the message's tokens
     * @param chars  the message's length
     * @param client the client's address, asked only when the message counts
     * @throws ApiError 503 or 429 past the budget
     */
    Body message(long tokens, int chars, Supplier<String> client) {
        Body body = new Body(client);
        body.hold(2L * chars + tokens * HEAP_PER_TOKEN);
        return body;
    }

    /**
     * A count, holding nothing yet, for what the client at {@code address} makes the server hold
     * outside a request (a WebSocket frame or message while it arrives), counted like a body with
     * {@link Body#hold}. Close it when that is gone.
     */
    Body held(String address) {
        return new Body(() -> address);
    }

    /** Reads and drops the rest of a body, at most {@code most} bytes: whether it ended within them. */
    private static boolean skipRest(InputStream in, long most) throws IOException {
        byte[] scratch = new byte[8192];
        long left = most;
        while (left > 0) {
            int read = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (read < 0) {
                return true;
            }
            left -= read;
        }
        return in.read() < 0;
    }

    /** A request's parsed body, and the heap it holds in the count until it is closed. */
    final class Body implements AutoCloseable {
        private final ClientShares.Count count;
        private JsonNode json;
        private RpcBody call;

        private Body(Supplier<String> client) {
            this.count = shares.count(client);
        }

        /** The body as a tree; null for a body read by {@link #call(ServerRequest)} or not read. */
        JsonNode json() {
            return json;
        }

        /** The body of an rpc, read by {@link Bodies#call(ServerRequest)}. */
        RpcBody call() {
            return call;
        }

        /**
         * Counts {@code heap} bytes for this body from now on (beyond its free share).
         *
         * @throws ApiError 503 past the budget, 429 past the address's share; the count is then unchanged
         */
        void hold(long heap) {
            count.hold(Math.max(0, heap - FREE));
        }

        @Override
        public void close() {
            count.close();
        }
    }
}
