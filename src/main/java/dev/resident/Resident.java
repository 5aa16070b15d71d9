package dev.resident;

import dev.resident.bench.BenchPage;
import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.Buses;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.ops.ReadyCheck;
import dev.resident.page.PageTypes;
import dev.resident.registry.Authenticator;
import dev.resident.registry.ConfigAuthenticator;
import dev.resident.registry.Registry;
import dev.resident.registry.RegistrySettings;
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
import java.util.function.Function;

/**
 * One Resident server: registries, bus, lifecycle and the web front, built from config. {@link
 * #setup(WebServerConfig.Builder)} is the one wiring function that {@link Main} and the tests call.
 */
public final class Resident implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Resident.class.getName());
    private final ResidentMeters meters;
    private final Registry registry;
    private final Lifecycle lifecycle = new Lifecycle();
    private final WebFront web;
    private final Duration shutdownGrace;

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
        this.web = new WebFront(registry, authenticator, lifecycle, meters, webSettings);
        this.shutdownGrace = Settings.shutdownGrace(resident);
    }

    /** A server with the page types of {@code types} and users from config. */
    public static Resident create(Config config, PageTypes types) {
        return new Resident(config, types, new ConfigAuthenticator(config.get("resident.users")));
    }

    /** Registers HTTP routes, the page socket and observability on a server being built. */
    public void setup(WebServerConfig.Builder server) {
        server.routing(routing -> {
                    web.api(routing);
                    web.staticFiles(routing);
                })
                .addRouting(WsRouting.builder().update(web::websocket))
                .addFeature(ObserveFeature.just(
                        HealthObserver.builder().details(true).addCheck(new ReadyCheck(lifecycle, registry.bus())).build(),
                        MetricsObserver.create()));
    }

    public Registry registry() {
        return registry;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * Graceful stop: ready goes DOWN and new pages get 503, sockets close with 1001, running calls
     * get up to the configured grace to finish, then the server stops.
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
        registry.close();
        meters.close();
    }
}
