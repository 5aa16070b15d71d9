package dev.resident.web;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;

/**
 * Keeps the metrics and the detailed health under the observe root for operators: only
 * {@code health/live} and {@code health/ready} (what load balancers poll) stay open. Everything
 * else needs {@code Authorization: Bearer <resident.observe-token>}, compared in constant time
 * (401 {@code unauthorized} without it); with no token configured it is off (404 {@code not_found}).
 */
public final class ObserveGuard implements Filter {
    private final String root;
    private final String rootSlash;
    private final Set<String> open;
    private final byte[] expected;

    /**
     * @param root  where the observe endpoints live ({@code /observe})
     * @param token the bearer token; empty: closed to everyone
     */
    public ObserveGuard(String root, String token) {
        this.root = root;
        this.rootSlash = root + "/";
        this.open = Set.of(root + "/health/live", root + "/health/ready");
        this.expected = token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    /** As a filter of its own (a worker process's routing). */
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (passes(req, res)) {
            chain.proceed();
        }
    }

    /** Whether the request goes on; when not, it has been answered (a check of {@link FrontFilter}). */
    boolean passes(RoutingRequest req, RoutingResponse res) {
        String path = req.prologue().uriPath().path();
        boolean guarded = path != null && (path.equals(root) || path.startsWith(rootSlash)) && !open.contains(stripSlash(path));
        if (!guarded) {
            return true;
        }
        if (expected == null) {
            Errors.send(res, 404, "not_found", "not found");
            return false;
        }
        byte[] given = req.headers().first(HeaderNames.AUTHORIZATION).orElse("").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) {
            res.header(HeaderNames.WWW_AUTHENTICATE, "Bearer");
            Errors.send(res, 401, "unauthorized", "observe token required");
            return false;
        }
        return true;
    }

    private static String stripSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
