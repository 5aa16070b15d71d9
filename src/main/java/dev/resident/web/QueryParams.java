package dev.resident.web;

import io.helidon.common.uri.UriQuery;
import io.helidon.webserver.http.ServerRequest;

import java.util.List;

/**
 * A request's query parameters, read without Helidon's {@code UriQuery.first}: that one looks the
 * global mapper up in the service registry at every call, behind a read-write lock every request
 * shares, whether the parameter is there or not (2.4 % of an rpc's CPU samples, for a parameter the
 * rpc asks for on every call: bench/README.md, "Thirty-seventh session").
 */
final class QueryParams {
    private QueryParams() {
    }

    /**
     * The first value of {@code name} (decoded), or {@code fallback} when the query has none: as
     * {@code first} reads it, a name without {@code =} ({@code ?wait&after=0}) has no value.
     */
    static String value(ServerRequest req, String name, String fallback) {
        UriQuery query = req.query();
        if (!query.contains(name)) {
            return fallback;
        }
        List<String> values = query.all(name);
        return values.isEmpty() ? fallback : values.getFirst();
    }
}
