package dev.resident;

import dev.resident.bench.BenchPage;
import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.bus.Buses;
import dev.resident.bus.nats.NatsLink;
import dev.resident.bus.nats.NatsSettings;
import dev.resident.dbevents.pg.PgDbEvents;
import dev.resident.legacy.LegacyBridgePage;
import dev.resident.legacy.LegacyProxy;
import dev.resident.legacy.LegacySessionAuthenticator;
import dev.resident.legacy.LegacySockets;
import dev.resident.metrics.HttpRequests;
import dev.resident.metrics.MetricsEndpoint;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.ops.Linger;
import dev.resident.ops.LinkCheck;
import dev.resident.ops.ReadyCheck;
import dev.resident.ops.Timers;
import dev.resident.page.PageTypes;
import dev.resident.page.engine.CpuPool;
import dev.resident.registry.Authenticator;
import dev.resident.registry.ConfigAuthenticator;
import dev.resident.registry.Registry;
import dev.resident.registry.RegistrySettings;
import dev.resident.registry.StateSettings;
import dev.resident.state.StateStore;
import dev.resident.site.SiteViews;
import dev.resident.web.LocalAdmin;
import dev.resident.web.RequestLog;
import dev.resident.registry.SessionAuthenticator;
import dev.resident.web.AccessLog;
import dev.resident.web.JsonDirectErrors;
import dev.resident.web.ObserveGuard;
import dev.resident.task.TaskTypes;
import dev.resident.task.engine.TaskEngine;
import dev.resident.task.engine.TaskSettings;
import dev.resident.web.TrustedProxies;
import dev.resident.web.WebFront;
import dev.resident.web.WebSettings;
import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import io.nats.client.Connection;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One Resident server: registries, bus, lifecycle, the web front and, when {@code legacy.upstream}
 * is set, the bridge to the legacy app, built from config. {@link
 * #setup(WebServerConfig.Builder)} is the one wiring function that {@link Main} and the tests call.
 *
 * <p>It owns the process's long-lived resources and hands them down: the one NATS connection (made
 * by the bus, shared with the state store and the task engine), the CPU pool and the timers. No
 * feature opens its own; {@link #close()} closes them last, after everything that uses them.
 */
public final class Resident implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Resident.class.getName());
    /** Where health and metrics live; like the API, never forwarded to the legacy app. */
    private static final String OBSERVE_ROOT = "/observe";
    private final ResidentMeters meters;
    /** The process's bus: with NATS, the owner of the one connection. */
    private final Bus transport;
    private final CpuPool cpu;
    private final Timers timers = new Timers();
    private final Registry registry;
    private final Lifecycle lifecycle = new Lifecycle();
    private final WebFront web;
    private final Optional<LegacyProxy> legacy;
    private final Optional<LegacySockets> legacySockets;
    private final Duration shutdownGrace;
    private final Duration shutdownLinger;
    private final StateStore state;
    /** The LISTEN link for dbevents from PostgreSQL, when {@code dbevents.pg.url} is set. */
    private final Optional<PgDbEvents> pgEvents;
    private final Optional<AccessLog> accessLog;
    private final String observeToken;
    private final TaskTypes taskTypes = new TaskTypes();
    private final TaskEngine tasks;
    /** {@code server.protocols.*}: the connection watch installs them (it turns protocol discovery off). */
    private final Config http1;
    private final WsConfig websocket;

    private Resident(Config config, PageTypes types, Authenticator authenticator, SessionAuthenticator sessions) {
        Config resident = config.get("resident");
        this.http1 = config.get("server.protocols.http_1_1");
        this.websocket = WsConfig.create(config.get("server.protocols.websocket"));
        RegistrySettings registrySettings = Settings.registry(resident);
        StateSettings stateSettings = Settings.state(resident);
        WebSettings webSettings = Settings.web(resident, config.get("server"));
        TaskSettings taskSettings = Settings.tasks(resident, webSettings, registrySettings.pages());
        boolean benchPages = Settings.benchPages(resident);
        if (benchPages) {
            types.register(BenchPage.type());
        }
        StartupWarnings.log(resident);
        Settings.legacyBridge(config.get("legacy")).ifPresent(bridge -> {
            if (bridge.tables().none()) {
                LOGGER.log(Level.WARNING, "legacy.bridge.tables is empty: /_legacy bridge pages may watch no table"
                        + " (LEGACY_BRIDGE_TABLES)");
            }
            types.register(LegacyBridgePage.type(bridge.guests(), bridge.tables()));
        });
        this.meters = new ResidentMeters(registrySettings.process());
        this.cpu = new CpuPool(registrySettings.cpuThreads(), Settings.cpuQueue(resident));
        boolean overNats = Settings.ipcOverNats(config.get("ipc"));
        Optional<NatsSettings> natsSettings = overNats
                ? Optional.of(Settings.nats(config.get("ipc.nats"), registrySettings.process())) : Optional.empty();
        // the one NATS connection of the process: made by the bus, shared with the state store and the tasks
        CompletableFuture<Connection> natsConnection = overNats ? new CompletableFuture<>() : null;
        AtomicReference<Bus> bus = new AtomicReference<>();
        AtomicReference<BusListener> local = new AtomicReference<>();
        this.state = StateStores.create(Settings.stateStore(resident.get("state"), overNats),
                stateSettings.snapshotInterval(), natsSettings.map(NatsSettings::prefix).orElse(""), natsConnection,
                nanos -> meters.commitWait.record(Duration.ofNanos(nanos)));
        this.registry = new Registry(registrySettings, stateSettings, state, types, meters, cpu, timers,
                listener -> {
                    local.set(listener);
                    Bus created = natsSettings.map(nats -> NatsBackend.create(nats, meters, listener))
                            .orElseGet(() -> Buses.local(listener));
                    bus.set(created);
                    return created;
                });
        this.transport = bus.get();
        registry.retryAfterWhileStopping(lifecycle::retryAfterSeconds);
        // the NATS link of the process (the registry counts what goes through its bus, so keep the bus itself)
        Optional<NatsLink> natsLink = transport instanceof NatsLink link ? Optional.of(link) : Optional.empty();
        natsLink.ifPresent(link -> link.whenConnected(natsConnection::complete));
        if (benchPages) {
            BenchPage.registerTasks(taskTypes);
        }
        this.tasks = TaskBackend.create(taskSettings, Settings.schedules(resident.get("tasks.schedule")), taskTypes,
                registry, meters, cpu, timers, natsSettings, natsConnection);
        // every process listens and delivers to its own pages only (dbevents.pg package doc)
        this.pgEvents = PgBackend.start(Settings.pg(config.get("dbevents.pg")), local.get(), registry::subscribedTables,
                meters);
        TrustedProxies proxies = Settings.trustedProxies(resident);
        this.web = new WebFront(registry, authenticator, sessions, lifecycle, meters, webSettings,
                Settings.requestLog(resident).map(file -> RequestLog.create(registrySettings.process(), file)),
                sockets -> SiteViews.create(new LocalAdmin(registry, sockets, lifecycle, version()), transport,
                        registrySettings.process(), Settings.siteAdmin(resident), meters),
                Settings.admission(resident), proxies, timers);
        meters.gauge("resident.ready", "1 while ready: not draining, the bus connected, the state store reachable",
                () -> !lifecycle.drainingOrCordoned() && registry.bus().connected() && registry.stateReachable() ? 1 : 0);
        meters.gauge("resident.bus.connected", "1 while the bus reaches the other processes",
                () -> registry.bus().connected() ? 1 : 0);
        this.legacy = Settings.legacy(config.get("legacy"))
                .map(settings -> new LegacyProxy(settings, List.of(WebFront.API_ROOT, OBSERVE_ROOT), lifecycle, proxies,
                        web.adminHost(), what -> web.shares(what, settings.spool().maxDisk(), settings.spool().perAddress()), timers));
        if (legacy.isPresent() && !web.adminHost().isSet()) {
            LOGGER.log(Level.WARNING, "the legacy app shares its origin with the admin view: a script injected into "
                    + "one of its pages could act as an admin who opens it; set ADMIN_HOST (resident.admin.host) to "
                    + "give the admin powers a host of their own");
        }
        this.legacySockets = Settings.legacySockets(config.get("legacy"), webSettings)
                .map(settings -> new LegacySockets(settings, List.of(WebFront.API_ROOT, OBSERVE_ROOT), lifecycle,
                        web.socketAdmission(), proxies, web.adminHost(), timers));
        legacySockets.ifPresent(sockets -> meters.gauge("resident.legacy.sockets", "open legacy WebSocket tunnels", sockets::count));
        this.shutdownGrace = Settings.shutdownGrace(resident);
        this.shutdownLinger = Settings.shutdownLinger(resident);
        this.observeToken = resident.get("observe-token").asString().orElse("").trim();
        this.accessLog = Settings.accessLog(resident).map(AccessLog::create);
    }

    /** A server with the page types of {@code types} and users from config (the demo users in demo mode). */
    public static Resident create(Config config, PageTypes types) {
        return builder(config).pageTypes(types).build();
    }

    /** Whether the config turns demo mode on ({@code resident.demo}): then {@code Main} adds the demo app. */
    public static boolean demo(Config config) {
        return Settings.demo(config.get("resident"));
    }

    /** A server built step by step: its page types, and who its users are. */
    public static Builder builder(Config config) {
        return new Builder(config);
    }

    /**
     * Builds a {@link Resident}. By default users come from config ({@code resident.users}, {@link
     * ConfigAuthenticator}); with {@code resident.auth.mode: legacy-session} they are the legacy
     * app's ({@link LegacySessionAuthenticator}).
     */
    public static final class Builder {
        private final Config config;
        private PageTypes types = new PageTypes();
        private Authenticator authenticator;
        private SessionAuthenticator sessions;

        private Builder(Config config) {
            this.config = config;
        }

        /** The page types served (the built-in ones are added from config). */
        public Builder pageTypes(PageTypes types) {
            this.types = types;
            return this;
        }

        /** Checks the credentials of {@code POST /_/login} instead of the users in config. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = authenticator;
            return this;
        }

        /**
         * Every connection follows the session this finds on each request (one login with another
         * app) instead of {@code POST /_/login}; overrides {@code resident.auth.mode}.
         */
        public Builder sessionAuthenticator(SessionAuthenticator sessions) {
            this.sessions = sessions;
            return this;
        }

        public Resident build() {
            Authenticator passwords = authenticator != null ? authenticator
                    : new ConfigAuthenticator(Settings.users(config.get("resident")));
            SessionAuthenticator followed = sessions != null ? sessions
                    : Settings.legacySession(config.get("legacy"), config.get("resident"))
                    .map(LegacySessionAuthenticator::new).orElse(null);
            return new Resident(config, types, passwords, followed);
        }
    }

    /**
     * Registers HTTP routes, the page socket and observability on a server being built. Resident's
     * API comes first, then the legacy app's paths when one is mounted, then the static files.
     */
    public void setup(WebServerConfig.Builder server) {
        // only the features added here: Helidon would otherwise add every one on the classpath, the
        // access log with its default format among them (it cost half the rpc throughput)
        server.featuresDiscoverServices(false);
        // Helidon's own refusals (misframed requests, bad handshakes) answer JSON and close
        server.directHandlers(JsonDirectErrors.create());
        // the header timeout and the per-address connection cap watch every HTTP/1 connection
        web.watchConnections(server, http1, websocket);
        accessLog.ifPresent(log -> server.addFeature(log.feature()));
        server.routing(routing -> {
                    web.api(routing, new ObserveGuard(OBSERVE_ROOT, observeToken));
                    web.jobs(routing, tasks);
                    legacy.ifPresent(routing::register);
                    web.staticFiles(routing);
                })
                .addRouting(WsRouting.builder()
                        .update(web::websocket)
                        .update(routing -> legacySockets.ifPresent(sockets -> sockets.routing(routing))))
                .addFeature(observe());
        tasks.startSchedule();
    }

    /**
     * A worker-only process ({@code java -jar resident.jar worker}): it runs tasks, serves no pages
     * and no API, only health and metrics under {@code /observe}.
     */
    public void setupWorker(WebServerConfig.Builder server) {
        server.featuresDiscoverServices(false);
        server.directHandlers(JsonDirectErrors.create());
        // its port takes the same slow heads and connection floods as a page process's
        web.watchConnections(server, http1, websocket);
        server.routing(routing -> routing
                        .addFilter((chain, req, res) -> {
                            HttpRequests.counted();
                            chain.proceed();
                        })
                        .addFilter(new ObserveGuard(OBSERVE_ROOT, observeToken)))
                .addFeature(observe()); // any other path: 404
        tasks.startSchedule();
    }

    private ObserveFeature observe() {
        return ObserveFeature.builder()
                .endpoint(OBSERVE_ROOT)
                .observersDiscoverServices(false)
                .addObserver(HealthObserver.builder()
                        .details(true)
                        // Helidon's own checks (heap, disk, deadlocks) showed heap and disk figures
                        // to anyone on the open live and ready endpoints; only Resident's checks answer
                        .useSystemServices(false)
                        .addCheck(new ReadyCheck(lifecycle, registry.bus()::connected, registry::stateReachable))
                        .update(health -> pgEvents.ifPresent(pg ->
                                health.addCheck(new LinkCheck("dbevents-pg", pg::linkUp))))
                        .build())
                .addObserver(new MetricsEndpoint())
                .build();
    }

    /** The running build's version (from the jar's manifest), {@code dev} when run from classes. */
    static String version() {
        String version = Resident.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
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
     * and requests forwarded to the legacy app get up to the configured grace to finish, every page
     * and connection is written to the state store (pages released, so another process continues
     * them at once; ready shows {@code released}; a page is saved between two calls, so one whose
     * call began during the drain is saved when that call ends, within the same grace), the process
     * keeps answering until requests stop coming (at most the configured linger, see
     * {@link Linger}), then the server stops.
     */
    public void drainAndStop(WebServer server) {
        LOGGER.log(Level.INFO, "draining: sockets close with 1001, running calls get " + shutdownGrace.toSeconds()
                + " s, then every page is saved and released");
        lifecycle.startDrain(shutdownLinger);
        long callsEnd = System.nanoTime() + shutdownGrace.toNanos(); // the grace covers the saves' waits too
        web.sockets().closeAll(1001, "server going away");
        legacySockets.ifPresent(sockets -> sockets.closeAll(1001, "server going away"));
        try {
            if (!lifecycle.awaitIdle(shutdownGrace)) {
                LOGGER.log(Level.WARNING, lifecycle.inFlight() + " calls still running after the grace period");
            }
            web.sockets().awaitClosed(Duration.ofSeconds(2));
            if (legacySockets.isPresent()) {
                legacySockets.get().awaitClosed(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!registry.release(Duration.ofNanos(Math.max(0, callsEnd - System.nanoTime())))) {
            LOGGER.log(Level.WARNING, "some pages or connections could not be saved before the stop");
        } else {
            LOGGER.log(Level.INFO, "every page and connection saved");
        }
        lifecycle.markReleased();
        web.leaveSite();
        try {
            if (!Linger.awaitQuiet(HttpRequests::count, Linger.QUIET, shutdownLinger)) {
                LOGGER.log(Level.INFO, "requests still came after " + shutdownLinger.toMillis()
                        + " ms: stopping anyway (take the process out of its proxy first, see docs/deploy.md)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop();
        close();
    }

    /**
     * Closes what uses the process's resources, then the resources: the bus with the NATS
     * connection (after the state store and the tasks, which share it), the CPU pool, the timers.
     */
    @Override
    public void close() {
        pgEvents.ifPresent(PgDbEvents::close);
        web.sockets().close();
        web.closeGuards();
        legacy.ifPresent(LegacyProxy::close);
        accessLog.ifPresent(AccessLog::close);
        tasks.close();
        registry.close();
        state.close();
        transport.close();
        cpu.close();
        timers.close();
        meters.close();
    }
}
