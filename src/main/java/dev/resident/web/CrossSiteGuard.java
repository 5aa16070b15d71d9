package dev.resident.web;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import java.util.Set;
import java.util.function.Predicate;

/**
 * CSRF guard of the {@code /_/} API: a state-changing request (anything but GET, HEAD and OPTIONS)
 * that a browser sent from another site is refused with 403 {@code forbidden}, by the same rule as
 * the WebSocket's Origin check ({@link OriginCheck}): its {@code Origin} must be the server itself
 * or allow-listed (an {@code https} one when the request came over HTTPS), and without an
 * {@code Origin} its {@code Sec-Fetch-Site} must be
 * {@code same-origin} or {@code none}. A request with neither header is not a browser's (curl, a
 * server with the admin token) and passes. The JSON endpoints also take only
 * {@code application/json} ({@link Responses#objectBody}), which a cross-site form cannot send.
 * On the admin powers' own host ({@link AdminHost}) the allow-list does not count: only that host
 * itself sends them requests, so that a script on an allowed origin (the legacy app's pages) cannot
 * use an admin's cookie there.
 */
final class CrossSiteGuard {
    private static final HeaderName SEC_FETCH_SITE = HeaderNames.create("Sec-Fetch-Site");
    private static final Set<Method> SAFE = Set.of(Method.GET, Method.HEAD, Method.OPTIONS);
    private static final Set<String> OWN_SITE = Set.of("same-origin", "none");
    private final String root;
    private final Set<String> allowedOrigins;
    private final AdminHost adminHost;
    private final Predicate<ServerRequest> https;

    /** @param https whether a request came over HTTPS, itself or through a trusted balancer */
    CrossSiteGuard(String root, Set<String> allowedOrigins, AdminHost adminHost, Predicate<ServerRequest> https) {
        this.root = root + "/";
        this.allowedOrigins = allowedOrigins;
        this.adminHost = adminHost;
        this.https = https;
    }

    /** Whether the request goes on; when not, it has been answered (a check of {@link FrontFilter}). */
    boolean passes(RoutingRequest req, RoutingResponse res) {
        if (SAFE.contains(req.prologue().method()) || !api(req) || sameSite(req)) {
            return true;
        }
        Errors.send(res, 403, "forbidden", "cross-site request refused");
        return false;
    }

    /**
     * Whether the request is for the API: by its path as sent or as routed. Routing matches the
     * decoded, normalized path, so {@code //_/logout} or {@code /%5F/logout} reach the API too.
     */
    private boolean api(RoutingRequest req) {
        return req.path().rawPath().startsWith(root) || req.path().path().startsWith(root);
    }

    private boolean sameSite(RoutingRequest req) {
        String origin = req.headers().first(HeaderNames.ORIGIN).orElse(null);
        if (origin != null) {
            return OriginCheck.allowed(origin, req.headers().first(HeaderNames.HOST).orElse(null),
                    adminHost.isFor(req) ? Set.of() : allowedOrigins, https.test(req));
        }
        return req.headers().first(SEC_FETCH_SITE).map(site -> OWN_SITE.contains(site.trim())).orElse(true);
    }
}
