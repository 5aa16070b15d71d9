package dev.resident.web;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The one filter in front of every route: HSTS on answers over HTTPS, the request guard, then the
 * request log (when on) around the cross-site guard, the observe guard and the route, in that
 * order, as four filters ran before.
 * A guard that refuses a request answers it, and nothing after it runs. One pass instead of a
 * filter chain's step per guard (bench/README, "Twenty-third session").
 */
final class FrontFilter implements Filter {
    private final RequestGuard requestGuard;
    /** Null when the request log is off. */
    private final RequestLog requestLog;
    private final CrossSiteGuard crossSiteGuard;
    private final ObserveGuard observeGuard;
    private final StrictTransport strictTransport;

    FrontFilter(RequestGuard requestGuard, RequestLog requestLog, CrossSiteGuard crossSiteGuard,
                ObserveGuard observeGuard, StrictTransport strictTransport) {
        this.requestGuard = requestGuard;
        this.strictTransport = strictTransport;
        this.requestLog = requestLog;
        this.crossSiteGuard = crossSiteGuard;
        this.observeGuard = observeGuard;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        strictTransport.mark(req, res);
        if (requestGuard.passes(req, res)) { // its refusals come before the log, as they did as the first filter
            if (requestLog == null) {
                proceedGuarded(chain, req, res);
            } else {
                requestLog.filter(() -> proceedGuarded(chain, req, res), req, res);
            }
        }
        if (!req.content().consumed()) {
            // answered without reading its body (a refusal, a file, a 404): Helidon reads the rest
            // before the next request, with no deadline of its own
            BodyDeadline.unreadBodyFollows();
        }
    }

    private void proceedGuarded(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (crossSiteGuard.passes(req, res) && observeGuard.passes(req, res)) {
            chain.proceed();
        }
    }
}
