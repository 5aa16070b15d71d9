package dev.resident.legacy;

import dev.resident.ops.Lifecycle;
import dev.resident.ops.ThrottledLog;
import dev.resident.ops.Timers;
import dev.resident.web.AdminHost;
import dev.resident.web.ClientShares;
import dev.resident.web.Errors;
import dev.resident.web.LogText;
import dev.resident.web.TrustedProxies;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.http1.Http1ClientRequest;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Forwards the requests Resident does not serve itself to the legacy WSGI app: method, raw path
 * and query, headers (see {@link RequestHeaders}) and body, streamed both ways. Register it after
 * Resident's own routes and before the static files; paths outside {@code legacy.paths} pass on
 * to the next route. The legacy app down or failing answers 502 {@code bad_gateway}, too slow 504
 * {@code gateway_timeout}, a body over {@code legacy.max-body} 413 {@code too_large}.
 */
public final class LegacyProxy implements HttpService, AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(LegacyProxy.class.getName());
    /** One line a minute however many requests fail: each is answered 502/504 anyway. */
    private static final ThrottledLog FAILURES = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofMinutes(1));
    private final LegacyPaths paths;
    private final Upstream upstream;
    private final long maxBody;
    private final Lifecycle lifecycle;
    private final TrustedProxies proxies;
    private final AdminHost adminHost;
    private final DiskSpool spool;
    private final long timeoutNanos;
    /** The bodies being written to the legacy app, watched for a write it takes nothing of in time. */
    private final Set<UploadWatch> uploading = ConcurrentHashMap.newKeySet();

    /**
     * @param residentPrefixes Resident's own path prefixes ({@code /_}, {@code /observe}), never forwarded
     * @param lifecycle        counts forwarded requests in flight, so a graceful stop lets them finish
     * @param proxies          the balancers whose {@code X-Forwarded-For} is passed on to the app
     * @param adminHost        the admin powers' own host, where the app is never served (404)
     * @param onDisk           makes a budget of what waits on disk for the slower side ({@code legacy.spool}),
     *                         per process and per client address: one for request bodies, one for answers
     * @param timers           where the bodies' writes to the legacy app are watched for {@code legacy.timeout}
     * @throws IllegalArgumentException when a {@code legacy.paths} prefix is malformed or Resident's own
     * @throws java.io.UncheckedIOException when the spool's directory cannot be made
     */
    public LegacyProxy(LegacySettings settings, List<String> residentPrefixes, Lifecycle lifecycle,
                       TrustedProxies proxies, AdminHost adminHost, Function<String, ClientShares> onDisk,
                       Timers timers) {
        this.adminHost = adminHost;
        this.paths = new LegacyPaths(settings.paths(), residentPrefixes);
        this.upstream = new Upstream(settings);
        this.maxBody = settings.maxBody();
        this.lifecycle = lifecycle;
        this.proxies = proxies;
        this.timeoutNanos = settings.timeout().toNanos();
        // a quarter of the timeout, a second at most: a stuck write is cut within 1.25 of it
        Duration watch = Duration.ofMillis(Math.max(10, Math.min(1000, settings.timeout().toMillis() / 4)));
        timers.every("legacy-upload-watch", watch, () -> {
            long now = System.nanoTime();
            uploading.forEach(upload -> upload.cutIfStuck(now));
        });
        // last: nothing can fail after it
        this.spool = new DiskSpool(settings.spool().dir(), onDisk.apply("uploads waiting on disk for the legacy app"),
                onDisk.apply("answers of the legacy app waiting on disk for their client"));
    }

    /** Deletes the spool's directory. */
    @Override
    public void close() {
        spool.close();
    }

    @Override
    public void routing(HttpRules rules) {
        rules.any(this::forward);
    }

    private void forward(ServerRequest req, ServerResponse res) {
        RequestTarget target = RequestTarget.of(req);
        Optional<String> ambiguity = target.ambiguity();
        if (ambiguity.isPresent()) {
            Errors.send(res, 400, "bad_request", ambiguity.get());
            return;
        }
        if (!paths.forwards(target.path())) {
            res.next();
            return;
        }
        if (adminHost.isFor(req)) {
            // a page of the app would run its scripts as the admin view's origin
            Errors.send(res, 404, "not_found", "the legacy app is not served on the admin host");
            return;
        }
        lifecycle.enter();
        try {
            relay(req, res, target);
        } catch (UpstreamFailure e) {
            fail(req, res, e);
        } catch (BodyTooLarge e) {
            Errors.send(res, 413, "too_large", e.getMessage());
        } catch (ClientGone e) {
            throw new CloseConnectionException("client gone", e);
        } finally {
            lifecycle.exit();
        }
    }

    private void relay(ServerRequest req, ServerResponse res, RequestTarget target) {
        if (req.headers().contentLength().orElse(-1) > maxBody) {
            throw new BodyTooLarge(maxBody);
        }
        // the whole body first: the legacy app's worker is taken only once it can run at once
        try (SpooledBody body = req.content().hasEntity() ? spool.receive(req, maxBody) : null) {
            TcpClientConnection connection;
            try {
                connection = upstream.connect();
            } catch (RuntimeException e) {
                throw UpstreamFailure.of(e);
            }
            try {
                exchange(connection, req, res, target, body);
            } finally {
                connection.closeResource();
            }
        }
    }

    /** @param body the request's body, or null when it has none */
    private void exchange(TcpClientConnection connection, ServerRequest req, ServerResponse res, RequestTarget target,
                          SpooledBody body) {
        HttpPrologue prologue = req.prologue();
        Http1ClientRequest request = upstream
                .request(connection, prologue.method(), target.upstream())
                .headers(headers -> RequestHeaders.forward(req, headers, proxies));
        HttpClientResponse response;
        UploadWatch[] watched = new UploadWatch[1];
        try {
            response = body == null ? request.request() : request
                    .header(HeaderNames.CONTENT_LENGTH, Long.toString(body.length()))
                    .outputStream(out -> {
                        watched[0] = new UploadWatch(out, connection, timeoutNanos);
                        uploading.add(watched[0]);
                        body.writeTo(watched[0]);
                    });
        } catch (RuntimeException e) {
            if (watched[0] != null && watched[0].wasCut()) {
                SocketTimeoutException timedOut = new SocketTimeoutException("the legacy app took none of the body in time");
                timedOut.initCause(e);
                throw UpstreamFailure.of(timedOut);
            }
            throw UpstreamFailure.of(e);
        } finally {
            if (watched[0] != null) {
                uploading.remove(watched[0]);
            }
            if (body != null) {
                body.close(); // forwarded: its file and its share go before the answer
            }
        }
        try (response) {
            ResponseBody.relay(prologue.method(), response, res, () -> spool.answer(req));
        }
    }

    private static void fail(ServerRequest req, ServerResponse res, UpstreamFailure failure) {
        FAILURES.log("legacy app failed: " + failure.status() + " " + failure.code() + " for "
                + req.prologue().method().text() + " " + LogText.clean(req.prologue().uriPath().rawPath(), 120)
                + " (" + failure.reason() + ")"); // the path only: a query string may carry a token
        Errors.send(res, failure.status(), failure.code(), failure.getMessage());
    }
}
