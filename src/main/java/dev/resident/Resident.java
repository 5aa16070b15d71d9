package dev.resident;

import dev.resident.bench.BenchPage;
import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.Buses;
import dev.resident.legacy.LegacyProxy;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.ops.ReadyCheck;
import dev.resident.page.PageTypes;
import dev.resident.registry.Authenticator;
import dev.resident.registry.ConfigAuthenticator;
import dev.resident.registry.Registry;
import dev.resident.registry.RegistrySettings;
import dev.resident.task.TaskTypes;
import dev.resident.task.engine.TaskEngine;
import dev.resident.web.WebFront;
import dev.resident.web.WebSettings;
import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;
import io.helidon.webserver.websocket.WsRouting;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One Resident server: registries, bus, lifecycle, the web front and, when {@code legacy.upstream}
 * is set, the bridge to the legacy app, built from config. {@link
 * #setup(WebServerConfig.Builder)} is the one wiring function that {@link Main} and the tests call.
 */
public final class Resident implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Resident.class.getName());
    /** Where health and metrics live; like the API, never forwarded to the legacy app. */
    private static final String OBSERVE_ROOT = "/observe";
    private final ResidentMeters meters;
    private final Registry registry;
    private final Lifecycle lifecycle = new Lifecycle();
    private final WebFront web;
    private final Optional<LegacyProxy> legacy;
    private final Duration shutdownGrace;
    private final TaskTypes taskTypes = new TaskTypes();
    private final TaskEngine tasks;

    private Resident(Config config, PageTypes types, Authenticator authenticator) {
        Config resident = config.get("resident");
        RegistrySettings registrySettings = Settings.registry(resident);
        WebSettings webSettings = Settings.web(resident);
        if (resident.get("bench-pages").asBoolean().orElse(false)) {
            types.register(BenchPage.type());
        }
        this.meters = new ResidentMeters(registrySettings.process());
        Function<BusListener, Bus> nats = listener ->
                NatsBackend.create(config.get("ipc.nats"), registrySettings.process(), meters, listener);
        this.registry = new Registry(registrySettings, types, meters,
                listener -> Buses.create(config.get("ipc"), listener, nats));
        if (resident.get("bench-pages").asBoolean().orElse(false)) {
            BenchPage.registerTasks(taskTypes);
        }
        this.tasks = TaskBackend.create(config, registrySettings.process(), taskTypes, registry);
        this.web = new WebFront(registry, authenticator, lifecycle, meters, webSettings);
        this.legacy = Settings.legacy(config.get("legacy"))
                .map(settings -> new LegacyProxy(settings, List.of(WebFront.API_ROOT, OBSERVE_ROOT), lifecycle));
        this.shutdownGrace = Settings.shutdownGrace(resident);
    }

    /** A server with the page types of {@code types} and users from config. */
    public static Resident create(Config config, PageTypes types) {
        return new Resident(config, types, new ConfigAuthenticator(config.get("resident.users")));
    }

    /**
     * Registers HTTP routes, the page socket and observability on a server being built. Resident's
     * API comes first, then the legacy app's paths when one is mounted, then the static files.
     */
    public void setup(WebServerConfig.Builder server) {
        server.routing(routing -> {
                    web.api(routing);
                    web.jobs(routing, tasks);
                    legacy.ifPresent(routing::register);
                    web.staticFiles(routing);
                })
                .addRouting(WsRouting.builder().update(web::websocket))
                .addFeature(observe());
        tasks.startSchedule();
    }

    /**
     * A worker-only process ({@code java -jar resident.jar worker}): it runs tasks, serves no pages
     * and no API, only health and metrics under {@code /observe}.
     */
    public void setupWorker(WebServerConfig.Builder server) {
        server.addFeature(observe()); // any other path: 404
        tasks.startSchedule();
    }

    private ObserveFeature observe() {
        return ObserveFeature.builder()
                .endpoint(OBSERVE_ROOT)
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder()
                        .details(true)
                        .addCheck(new ReadyCheck(lifecycle, registry.bus()))
                        .build())
                .addObserver(MetricsObserver.create())
                .build();
    }

    public Registry registry() {
        return registry;
    }

    /** The task types of this server: register an application's ones here, like page types. */
    public TaskTypes taskTypes() {
        return taskTypes;
    }

    public TaskEngine tasks() {
        return tasks;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * Graceful stop: ready goes DOWN and new pages get 503, sockets close with 1001, running calls
     * and requests forwarded to the legacy app get up to the configured grace to finish, then the
     * server stops.
     */
    public void drainAndStop(WebServer server) {
        lifecycle.startDrain();
        web.sockets().closeAll(1001, "server going away");
        try {
            if (!lifecycle.awaitIdle(shutdownGrace)) {
                LOGGER.log(Level.WARNING, lifecycle.inFlight() + " calls still running after the grace period");
            }
            web.sockets().awaitClosed(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        close();
    }

    @Override
    public void close() {
        web.sockets().close();
        tasks.close();
        registry.close();
        meters.close();
    }
}
