package dev.resident.web;

import dev.resident.bus.Bus;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.registry.Authenticator;
import dev.resident.registry.Registry;
import dev.resident.task.engine.TaskEngine;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.helidon.webserver.websocket.WsRouting;

/** Registers the whole {@code /_/} API (HTTP and WebSocket) and the static files on Helidon routings. */
public final class WebFront {
    /** Prefix of the whole HTTP and WebSocket API. */
    public static final String API_ROOT = "/_";
    /** Classpath folder of the static files: {@code /_/resident.js}, the demo at {@code /}. */
    static final String STATIC_ROOT = "web";
    private final Registry registry;
    private final Authenticator authenticator;
    private final Bus bus;
    private final Lifecycle lifecycle;
    private final ResidentMeters meters;
    private final WebSettings settings;
    private final Sockets sockets;
    private volatile TaskEngine tasks;

    public WebFront(Registry registry, Authenticator authenticator, Lifecycle lifecycle, ResidentMeters meters,
                    WebSettings settings) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.bus = registry.bus();
        this.lifecycle = lifecycle;
        this.meters = meters;
        this.settings = settings;
        this.sockets = new Sockets(meters, settings.heartbeat());
    }

    public Sockets sockets() {
        return sockets;
    }

    /** The JSON error answers and the {@code /_/} API; register first. */
    public void api(HttpRouting.Builder routing) {
        Errors.register(routing);
        routing.register(API_ROOT, new PagesService(registry, lifecycle, meters, settings))
                .register(API_ROOT, new LoginService(registry, authenticator, settings))
                .register(API_ROOT, new DbEventService(bus, settings))
                .register(API_ROOT, new NoticeService(bus, settings))
                .register(API_ROOT, new AdminService(registry, sockets,
                        () -> tasks == null ? null : tasks.adminState(AdminState.MAX_ROWS)));
    }

    /** The background-job endpoints ({@code /_/jobs/...}); register after {@link #api}. */
    public void jobs(HttpRouting.Builder routing, TaskEngine engine) {
        this.tasks = engine;
        routing.register(API_ROOT, new JobsService(registry, engine));
    }

    /**
     * The browser client, the demo and the admin view's script; register last: unknown paths fall
     * through to 404.
     */
    public void staticFiles(HttpRouting.Builder routing) {
        routing.register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                .location(STATIC_ROOT)
                .welcome("index.html")
                .build()));
    }

    public void websocket(WsRouting.Builder routing) {
        routing.endpoint(API_ROOT + "/ws", () -> new PageSocket(registry, sockets, lifecycle, meters, settings));
    }
}
