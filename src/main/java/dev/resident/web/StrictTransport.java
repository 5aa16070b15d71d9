package dev.resident.web;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

import java.time.Duration;

/**
 * {@code Strict-Transport-Security} on every answer to a request that came over HTTPS (TLS here, or
 * a trusted balancer's {@code X-Forwarded-Proto: https}), the legacy app's included: a browser that
 * saw it never asks the site over plain HTTP again, where a network attacker could answer for it
 * (and read or plant its cookies). Answers over plain HTTP never carry it, as browsers ignore it there.
 */
final class StrictTransport {
    private final Header header;
    private final TrustedProxies proxies;

    /** @param maxAge how long browsers remember it; zero: never sent */
    StrictTransport(Duration maxAge, TrustedProxies proxies) {
        this.header = maxAge.isZero() ? null
                : HeaderValues.create(HeaderNames.STRICT_TRANSPORT_SECURITY, "max-age=" + maxAge.toSeconds());
        this.proxies = proxies;
    }

    void mark(RoutingRequest req, RoutingResponse res) {
        if (header != null && (req.isSecure() || req.headers().contains(HeaderNames.X_FORWARDED_PROTO)
                && proxies.https(false, req.remotePeer().address(), req.headers()))) {
            res.header(header);
        }
    }
}
