package dev.resident.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.Bus;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.ops.Timers;
import dev.resident.registry.Authenticator;
import dev.resident.registry.Registry;
import dev.resident.registry.SessionAuthenticator;
import dev.resident.task.engine.TaskEngine;
import io.helidon.common.config.Config;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Registers the whole {@code /_/} API (HTTP and WebSocket) and the static files on Helidon routings. */
public final class WebFront {
    /** {@code Cache-Control: no-cache} on static files, made once. */
    private static final Header REVALIDATE = HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-cache");
    /** Prefix of the whole HTTP and WebSocket API. */
    public static final String API_ROOT = "/_";
    /** Classpath folder of the static files: {@code /_/resident.js}, the demo at {@code /}. */
    static final String STATIC_ROOT = "web";
    /** The demo's browser side, served in demo mode only. */
    static final String DEMO_ROOT = "demo/web";
    private final AdminHost adminHost;
    private final Registry registry;
    private final Authenticator authenticator;
    private final Bus bus;
    private final Lifecycle lifecycle;
    private final ResidentMeters meters;
    private final WebSettings settings;
    private final Sockets sockets;
    private final SiteView site;
    private final Optional<RequestLog> requestLog;
    private final Connections connections;
    private final Guards guards;
    private final Bodies bodies;
    private final AdmissionSettings admission;
    private volatile TaskEngine tasks;
    /** Longest wait of the admin view for the jobs' store. */
    private static final Duration JOBS_DEADLINE = Duration.ofMillis(500);
    /** The admin view's read of the jobs under way, which every poll waits on instead of starting its own. */
    private final AtomicReference<CompletableFuture<ObjectNode>> jobsRead = new AtomicReference<>();

    /**
     * @param sessions   when not null, every connection follows the session it finds (one login with
     *                   another app) and {@code POST /_/login} is refused
     * @param requestLog the request log, when it is on
     * @param site       the admin view's reach, built on this front's sockets: {@link LocalSiteView} for
     *                   one process, a view over NATS for a site
     * @param admission  caps on connections, pages and sockets, per process and per client address
     * @param proxies    the balancers whose {@code X-Forwarded-*} headers are believed
     * @param timers     the process's timers (the socket heartbeat, the slow-call watchdog)
     */
    public WebFront(Registry registry, Authenticator authenticator, SessionAuthenticator sessions, Lifecycle lifecycle,
                    ResidentMeters meters, WebSettings settings, Optional<RequestLog> requestLog,
                    Function<Sockets, SiteView> site, AdmissionSettings admission, TrustedProxies proxies,
                    Timers timers) {
        this.requestLog = requestLog;
        this.registry = registry;
        this.admission = admission;
        ClientAddress addresses = new ClientAddress(proxies, new SpreadNetworks(admission.ipv6NetworksPer48(),
                admission.ipv6Window(), admission.maxTrackedAddresses(), System::nanoTime));
        this.connections = new Connections(registry, sessions, addresses);
        this.authenticator = authenticator;
        this.bus = registry.bus();
        this.lifecycle = lifecycle;
        this.meters = meters;
        this.settings = settings;
        this.sockets = new Sockets(meters, settings.heartbeat(), timers);
        this.site = site.apply(sockets);
        this.bodies = new Bodies(settings.maxBodyBytes(), shares("large request bodies", settings.bodiesHeap(),
                admission.bodiesHeapPerAddress(), admission, addresses), addresses);
        this.guards = new Guards(admission, addresses, bodies, registry, sockets, meters, timers);
        this.adminHost = AdminHost.of(settings.adminHost());
        meters.gauge("resident.bodies.heap", "heap that request bodies hold now beyond their free share (bytes)",
                bodies::held);
    }

    /**
     * Puts the connection watch in front of every HTTP/1 connection of {@code server}: the header
     * timeout, the per-address connection cap ({@code resident.limits}), raw request targets.
     *
     * @param http1     the server's HTTP/1 settings ({@code server.protocols.http_1_1})
     * @param websocket the server's WebSocket settings ({@code server.protocols.websocket})
     */
    public void watchConnections(WebServerConfig.Builder server, Config http1, WsConfig websocket) {
        guards.connections.install(server, http1, websocket);
    }

    /** Stops the slow-call watchdog and the connection watch. */
    public void closeGuards() {
        guards.close();
    }

    /** This process stops with its pages handed over: the site's admin view forgets it at once. */
    public void leaveSite() {
        site.leave();
    }

    public Sockets sockets() {
        return sockets;
    }

    /** The host the admin powers answer on ({@code resident.admin.host}). */
    public AdminHost adminHost() {
        return adminHost;
    }

    /**
     * A budget of {@code budget} bytes that every client shares, one client address holding at most
     * {@code perAddress} of it when the per-address limits are on ({@code resident.limits.per-address}).
     *
     * @param what what is held, named in the refusals ({@code "large request bodies"})
     */
    public ClientShares shares(String what, long budget, long perAddress) {
        return shares(what, budget, perAddress, admission, guards.addresses);
    }

    private static ClientShares shares(String what, long budget, long perAddress, AdmissionSettings admission,
                                       ClientAddress addresses) {
        return new ClientShares(what, budget, admission.perAddress() ? perAddress : Long.MAX_VALUE,
                admission.maxTrackedAddresses(), addresses);
    }

    /** Admission of the legacy app's tunnelled sockets under the page sockets' caps. */
    public SocketAdmission socketAdmission() {
        return new OtherSocketAdmission(guards.admission, guards.addresses);
    }

    /**
     * The JSON error answers, the one filter in front of every route ({@link FrontFilter}: the request
     * guard, the request log, the cross-site guard, then {@code observe}) and the {@code /_/} API;
     * register first.
     */
    public void api(HttpRouting.Builder routing, ObserveGuard observe) {
        Errors.register(routing);
        routing.addFilter(new FrontFilter(new RequestGuard(lifecycle, settings.allowedHosts(), guards.addresses.proxies()), requestLog.orElse(null),
                new CrossSiteGuard(API_ROOT, settings.allowedOrigins(), adminHost, connections::https), observe,
                new StrictTransport(settings.hstsMaxAge(), guards.addresses.proxies())));
        routing.register(API_ROOT, new PagesService(connections, lifecycle, meters, settings, guards, bodies, requestLog))
                .register(API_ROOT, new LoginService(connections, authenticator, settings, meters, guards.admission, bodies))
                .register(API_ROOT, new DbEventService(bus, settings, bodies))
                .register(API_ROOT, new NoticeService(bus, settings, bodies))
                .register(API_ROOT, new AdminService(connections, site, this::jobsState, adminHost));
    }

    /**
     * The jobs of the admin view, or null without a task engine or when its store does not answer
     * within {@link #JOBS_DEADLINE} (the view never waits on it longer). One read at a time: polls
     * that come while it runs (every admin tab's, every 2 s) wait on it, so a slow store does not
     * pile up reads that outlive their deadline.
     */
    private ObjectNode jobsState() {
        TaskEngine engine = tasks;
        if (engine == null) {
            return null;
        }
        CompletableFuture<ObjectNode> read = new CompletableFuture<>();
        CompletableFuture<ObjectNode> running = jobsRead.compareAndExchange(null, read);
        if (running != null) {
            read = running;
        } else {
            CompletableFuture<ObjectNode> mine = read;
            Thread.ofVirtual().name("resident-admin-jobs").start(() -> {
                try {
                    mine.complete(engine.adminState(AdminState.MAX_ROWS));
                } catch (RuntimeException e) {
                    mine.completeExceptionally(e);
                } finally {
                    jobsRead.compareAndSet(mine, null);
                }
            });
        }
        try {
            return read.get(JOBS_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).deepCopy(); // each poll edits its own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    /** The background-job endpoints ({@code /_/jobs/...}); register after {@link #api}. */
    public void jobs(HttpRouting.Builder routing, TaskEngine engine) {
        this.tasks = engine;
        routing.register(API_ROOT, new JobsService(connections, engine, new Replies(bodies, connections), adminHost));
    }

    /**
     * The browser client and the admin view's script, and in demo mode the demo; register last:
     * unknown paths fall through to 404.
     */
    public void staticFiles(HttpRouting.Builder routing) {
        routing.any((req, res) -> {
            // asked again each time (a 304 by its ETag when unchanged): after a deploy, browsers that
            // keep their pages open get the new resident.js, never a heuristically cached old one
            res.header(REVALIDATE);
            String path = req.path().path();
            if (path.endsWith("/") || path.endsWith(".html")) {
                SecurityHeaders.page(res);
            } else {
                SecurityHeaders.noSniff(res);
            }
            res.next();
        });
        routing.register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                .location(STATIC_ROOT)
                .build()));
        if (settings.demoFiles()) {
            routing.register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                    .location(DEMO_ROOT)
                    .welcome("index.html")
                    .build()));
        }
    }

    public void websocket(WsRouting.Builder routing) {
        routing.endpoint(API_ROOT + "/ws", () -> new PageSocket(connections, sockets, lifecycle, meters, settings,
                requestLog.orElse(null), guards, bodies));
    }
}
