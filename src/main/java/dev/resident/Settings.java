package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.nats.NatsSettings;
import dev.resident.dbevents.pg.PgSettings;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.legacy.BridgeTables;
import dev.resident.legacy.LegacySettings;
import dev.resident.legacy.LegacySessionSettings;
import dev.resident.legacy.LegacySocketSettings;
import dev.resident.page.engine.PageSettings;
import dev.resident.registry.RegistrySettings;
import dev.resident.registry.StateSettings;
import dev.resident.site.SiteAdminSettings;
import dev.resident.web.AllowedHosts;
import dev.resident.web.LoginSettings;
import dev.resident.web.AdmissionSettings;
import dev.resident.web.TrustedProxies;
import dev.resident.task.engine.Schedule;
import dev.resident.task.engine.TaskSettings;
import dev.resident.web.WebSettings;
import io.helidon.config.Config;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.resident.ConfigValues.bool;
import static dev.resident.ConfigValues.count;
import static dev.resident.ConfigValues.countOrZero;
import static dev.resident.ConfigValues.duration;
import static dev.resident.ConfigValues.number;
import static dev.resident.ConfigValues.oneOf;
import static dev.resident.ConfigValues.optional;
import static dev.resident.ConfigValues.positiveDuration;
import static dev.resident.ConfigValues.size;
import static dev.resident.ConfigValues.sizeOrZero;
import static dev.resident.ConfigValues.strings;

/**
 * Reads the config nodes into the settings records each package takes, each key through one of
 * {@link ConfigValues}' typed readers, which states its rule. Every default is written once, in
 * {@code application.yaml} (which every config loaded through {@link ResidentConfig} has at its
 * bottom): a key missing here is a bug, and fails at start. A reader reads all its keys even when
 * its feature is off, so that {@link #check} finds a bad value there too.
 */
final class Settings {
    /** What a job's {@code done} message holds besides its result, at most (ids, state, seq), with room to spare. */
    private static final int JOB_MESSAGE_ENVELOPE = 4096;
    /** A process id as page ids carry it ({@code |p01}, {@link Ids#isWellFormed}): p and 2 to 16 digits. */
    private static final Pattern PROCESS = Pattern.compile("p[0-9]{2,16}");

    private Settings() {
    }

    /**
     * Checks the values of a server started from the command line before anything starts: runs
     * every reader once, those of the features that are off included, so that a value that cannot
     * be used (a typo, a zero that would close every socket, ...) stops the start with a {@link
     * ConfigException} naming its key, rather than a server that runs wrongly.
     */
    static void check(Config config) {
        Config resident = config.get("resident");
        Config legacy = config.get("legacy");
        server(config.get("server"));
        siteProcess(resident);
        boolean overNats = ipcOverNats(config.get("ipc"));
        RegistrySettings registry = registry(resident);
        StateSettings state = state(resident);
        StateStores.StoreSettings store = stateStore(resident.get("state"), overNats);
        WebSettings web = web(resident, config.get("server"));
        cpuQueue(resident);
        benchPages(resident);
        users(resident);
        admission(resident);
        trustedProxies(resident);
        siteAdmin(resident);
        requestLog(resident);
        accessLog(resident);
        shutdownGrace(resident);
        shutdownLinger(resident);
        tasks(resident, web, registry.pages());
        schedules(resident.get("tasks.schedule"));
        legacy(legacy);
        legacySockets(legacy, web);
        legacySession(legacy, resident);
        legacyBridge(legacy);
        if (overNats) { // as the process reads them
            NatsSettings nats = nats(config.get("ipc.nats"), registry.process());
            if (store.kind().equals("nats")) {
                leaseOutlastsAReconnect(state.lease(), nats);
            }
        } else {
            natsValues(config.get("ipc.nats"), registry.process()); // checked though unused
        }
        pg(config.get("dbevents.pg"));
    }

    /**
     * A process back from an outage of NATS takes no page over until it has held its own lease for
     * a lease; a live owner cut off as long reconnects within {@code max-wait + jitter} of it and
     * renews within a third of a lease: so {@code max-wait + jitter} must stay under two thirds of
     * the lease, or the first process back could continue another's pages from their copies saved
     * before the outage (README "One owner").
     */
    private static void leaseOutlastsAReconnect(Duration lease, NatsSettings nats) {
        Duration reconnect = nats.reconnectMaxWait().plus(nats.reconnectJitter());
        if (reconnect.multipliedBy(3).compareTo(lease.multipliedBy(2)) >= 0) {
            throw new ConfigException("resident.state.lease", "\"" + lease.toMillis() + "ms\" must be more than 1.5"
                    + " times ipc.nats.reconnect.max-wait + jitter (" + reconnect.toMillis() + "ms): a process"
                    + " back first from an outage of NATS could take over the pages of one back a moment later");
        }
    }

    /**
     * The {@code server} node, which Helidon reads: first its keys that Helidon would misread,
     * {@code port} (0, any free port, to 65535) and {@code use-nio} (any word but true is false).
     */
    static Config server(Config server) {
        Config port = server.get("port");
        if (number(port, 0, Long.MAX_VALUE) > 65535) {
            throw new ConfigException(port.key().toString(), "\"" + port.asString().get()
                    + "\" must be 0 (any free port) to 65535");
        }
        bool(server.get("use-nio"));
        return server;
    }

    /** {@code ipc.backend}: {@code local} (one process) or {@code nats} (the processes of a site over NATS). */
    static boolean ipcOverNats(Config ipc) {
        return oneOf(ipc.get("backend"), "local", "nats").equals("nats");
    }

    static RegistrySettings registry(Config resident) {
        Config limits = resident.get("limits");
        PageSettings pages = new PageSettings(
                positiveDuration(resident.get("pages.idle-ttl")),
                count(limits.get("max-pending-rpc")),
                count(resident.get("pages.history.max-messages")),
                size(resident.get("pages.history.max-bytes")),
                positiveDuration(resident.get("pages.history.max-age")),
                count(limits.get("max-page-params")));
        long heldPerShare = size(limits.get("max-held-per-share"));
        return new RegistrySettings(
                process(resident),
                pages,
                count(limits.get("max-pages-per-connection")),
                positiveDuration(resident.get("connections.guest-ttl")),
                positiveDuration(resident.get("connections.user-ttl")),
                positiveDuration(resident.get("sweep-interval")),
                // the one key without a written default: the number of cores of the machine it runs on
                optional(resident.get("cpu-threads"), ConfigValues::count).orElse(Runtime.getRuntime().availableProcessors()),
                count(limits.get("max-watched-tables")),
                // one switch for every per-address limit: the bench holds all its pages as one address's guests
                perAddressLimits(resident) ? heldPerShare : Long.MAX_VALUE,
                count(limits.get("notices-per-minute")),
                count(limits.get("sessions-per-user")));
    }

    /** {@code resident.process}: the name page ids carry ({@code |p01}); empty for a single process. */
    private static String process(Config resident) {
        return resident.get("process").asString().get().trim();
    }

    /**
     * {@code resident.process} as a server started from the command line takes it: p and 2 to 16
     * digits ({@link Ids#isWellFormed}), which the other processes of a site route by, or empty. A
     * server embedded in another program (the tests') may name its single process as it likes.
     */
    private static String siteProcess(Config resident) {
        String process = process(resident);
        if (!process.isEmpty() && !PROCESS.matcher(process).matches()) {
            throw new ConfigException("resident.process", "\"" + process + "\" must be p followed by 2 to 16 digits"
                    + " (p01, p02, ...; page ids end with |p01), or empty for a single process");
        }
        return process;
    }

    /** {@code resident.limits.per-address.enabled}: one switch for every per-address limit. */
    static boolean perAddressLimits(Config resident) {
        return bool(resident.get("limits.per-address.enabled"));
    }

    static StateSettings state(Config resident) {
        Config state = resident.get("state");
        return new StateSettings(
                positiveDuration(state.get("snapshot-interval")),
                positiveDuration(state.get("lease")),
                positiveDuration(resident.get("connections.max-age")),
                count(state.get("max-store-bytes")),
                positiveDuration(state.get("recheck")),
                count(state.get("max-page-bytes")));
    }

    /**
     * The state store's keys of {@code resident.state}: which store ({@code auto}: NATS KV over
     * NATS, else the embedded file) and what each kind takes.
     */
    static StateStores.StoreSettings stateStore(Config state, boolean overNats) {
        String kind = oneOf(state.get("store"), "auto", "embedded", "nats", "memory");
        if (kind.equals("auto")) {
            kind = overNats ? "nats" : "embedded";
        }
        if (kind.equals("nats") && !overNats) {
            throw new ConfigException("resident.state.store", "\"nats\" needs ipc.backend=nats (IPC_BACKEND=nats)");
        }
        Map<String, Long> bucketBytes = new HashMap<>();
        for (Config bucket : state.get("nats-bucket-bytes").asNodeList().orElse(List.of())) {
            bucketBytes.put(bucket.name(), sizeOrZero(bucket));
        }
        return new StateStores.StoreSettings(kind, Path.of(state.get("dir").asString().get()),
                bool(state.get("fsync")), sizeOrZero(state.get("write-rate")),
                positiveDuration(state.get("request-timeout")), bucketBytes);
    }

    /** @param server the {@code server} node: what {@code resident.allowed-hosts} defaults to depends on its host */
    static WebSettings web(Config resident, Config server) {
        Config limits = resident.get("limits");
        Config ws = resident.get("ws");
        String adminHost = resident.get("admin.host").asString().get();
        return new WebSettings(
                resident.get("admin-token").asString().get().trim(),
                count(limits.get("max-body")),
                size(limits.get("max-bodies-heap")),
                count(limits.get("max-ws-message")),
                positiveDuration(ws.get("heartbeat")),
                count(ws.get("queue")),
                size(ws.get("queue-bytes")),
                count(ws.get("max-write-bytes")),
                positiveDuration(ws.get("close-timeout")),
                Set.copyOf(strings(ws.get("allowed-origins"))),
                positiveDuration(resident.get("pages.max-poll-wait")),
                login(resident),
                adminHost,
                duration(resident.get("hsts-max-age")),
                AllowedHosts.of(strings(resident.get("allowed-hosts")), server.get("host").asString().get(),
                        adminHost.trim()),
                demo(resident));
    }

    /** The {@code resident.login} node and {@code resident.limits.max-login-failures}. */
    static LoginSettings login(Config resident) {
        Config login = resident.get("login");
        return new LoginSettings(
                count(login.get("max-user-length")),
                count(login.get("max-password-length")),
                count(resident.get("limits.max-login-failures")),
                positiveDuration(login.get("failure-window")),
                positiveDuration(login.get("max-backoff")),
                count(login.get("per-address-per-minute")),
                count(login.get("global-per-minute")),
                countOrZero(login.get("quiet-addresses-per-minute")),
                countOrZero(login.get("quiet-address-logins")),
                count(login.get("max-pending")),
                count(login.get("max-tracked")),
                login.get("affinity-key").asString().get().trim());
    }

    /** {@code resident.cpu-queue}: computations that wait for the CPU pool at most; beyond, {@code cpu_busy}. */
    static int cpuQueue(Config resident) {
        return count(resident.get("cpu-queue"));
    }

    /** {@code resident.bench-pages}: whether the built-in {@code /_bench} page type is served. */
    static boolean benchPages(Config resident) {
        return bool(resident.get("bench-pages"));
    }

    /** {@code resident.demo}: whether the demo users and the demo app ({@code /board}) are on. */
    static boolean demo(Config resident) {
        return bool(resident.get("demo"));
    }

    /** The user nodes of the default authenticator: {@code resident.users}, plus the demo users in demo mode. */
    static List<Config> users(Config resident) {
        List<Config> users = new ArrayList<>(resident.get("users").asNodeList().orElse(List.of()));
        if (demo(resident)) {
            users.addAll(resident.get("demo-users").asNodeList().orElse(List.of()));
        }
        return users;
    }

    /** Reads {@code resident.admin}: how the admin view waits for the other processes of a site. */
    static SiteAdminSettings siteAdmin(Config resident) {
        return new SiteAdminSettings(
                positiveDuration(resident.get("admin.deadline")),
                positiveDuration(resident.get("admin.forget-after")));
    }

    /** The request log's file ({@code ""}: the {@code dev.resident.requests} logger) when {@code resident.request-log.enabled}. */
    static Optional<String> requestLog(Config resident) {
        Config log = resident.get("request-log");
        String file = log.get("file").asString().get().trim();
        return bool(log.get("enabled")) ? Optional.of(file) : Optional.empty();
    }

    /** Helidon's access log's file ({@code ""}: the console) when {@code resident.access-log.enabled}. */
    static Optional<String> accessLog(Config resident) {
        Config log = resident.get("access-log");
        String file = log.get("file").asString().get().trim();
        return bool(log.get("enabled")) ? Optional.of(file) : Optional.empty();
    }

    /** The admission caps, the header timeout and the slow-call threshold ({@code resident.limits}). */
    static AdmissionSettings admission(Config resident) {
        Config limits = resident.get("limits");
        Config perAddress = limits.get("per-address");
        return new AdmissionSettings(
                count(limits.get("max-connections")),
                count(limits.get("max-pages")),
                count(limits.get("max-sockets")),
                perAddressLimits(resident),
                count(perAddress.get("new-connections-per-minute")),
                count(perAddress.get("new-pages-per-minute")),
                count(perAddress.get("sockets")),
                count(perAddress.get("connections")),
                count(perAddress.get("stalled-writes")),
                count(perAddress.get("max-tracked")),
                positiveDuration(limits.get("header-timeout")),
                positiveDuration(limits.get("body-timeout")),
                count(limits.get("body-min-rate")),
                positiveDuration(limits.get("send-timeout")),
                positiveDuration(limits.get("slow-call")),
                size(perAddress.get("bodies-heap")),
                count(perAddress.get("guest-pages")),
                count(perAddress.get("guest-connections")),
                count(limits.get("max-pages-per-user")),
                duration(limits.get("guests-give-way-after")),
                size(limits.get("max-queued-bytes")),
                size(perAddress.get("queued-bytes")),
                countOrZero(perAddress.get("ipv6-networks-per-48")),
                positiveDuration(perAddress.get("ipv6-window")));
    }

    /** {@code resident.trusted-proxies}: addresses or CIDR blocks of the balancers in front. */
    static TrustedProxies trustedProxies(Config resident) {
        return new TrustedProxies(strings(resident.get("trusted-proxies")));
    }

    static Duration shutdownGrace(Config resident) {
        return duration(resident.get("shutdown.grace"));
    }

    /** {@code resident.shutdown.linger}: how long a drained process answers while requests still come. */
    static Duration shutdownLinger(Config resident) {
        return duration(resident.get("shutdown.linger"));
    }

    /**
     * Reads the {@code resident.tasks} node (background jobs). A job's {@code done} message carries
     * its result to its page through the socket's queue and the page's history: {@code max-result}
     * must leave it room in both, or a page could never get a result its job was allowed.
     */
    static TaskSettings tasks(Config resident, WebSettings web, PageSettings pages) {
        Config tasks = resident.get("tasks");
        int maxResult = count(tasks.get("max-result"));
        long room = Math.min(web.socketQueueBytes(), pages.historyBytes()) - JOB_MESSAGE_ENVELOPE;
        if (maxResult > room) {
            throw new ConfigException("resident.tasks.max-result", "must leave a job's message room in"
                    + " resident.ws.queue-bytes and resident.pages.history.max-bytes: at most " + room);
        }
        return new TaskSettings(
                countOrZero(tasks.get("workers")),
                count(tasks.get("queue")),
                count(tasks.get("max-jobs-per-user")),
                count(tasks.get("progress-per-second")),
                count(tasks.get("max-params")),
                maxResult,
                positiveDuration(tasks.get("keep-finished")),
                count(tasks.get("max-jobs")),
                size(tasks.get("max-kept-results")),
                size(tasks.get("max-store-bytes")),
                size(tasks.get("max-result-bytes-per-user")),
                count(tasks.get("max-jobs-per-user-per-window")),
                count(tasks.get("max-deliveries")),
                positiveDuration(tasks.get("ack-wait")),
                oneOf(tasks.get("fallback"), "local", "reject").equals("local"),
                positiveDuration(tasks.get("nats-timeout")));
    }

    /**
     * Reads {@code resident.tasks.schedule}: a list of {@code name}, {@code task}, {@code cron}
     * (Quartz, with seconds), {@code zone} (default UTC), {@code params} (a JSON object as text) and
     * {@code missed} ({@code skip} or {@code catch-up}).
     */
    static List<Schedule> schedules(Config list) {
        List<Schedule> schedules = new ArrayList<>();
        for (Config entry : list.asNodeList().orElse(List.of())) {
            String name = entry.get("name").asString().orElseThrow(() -> missing(entry, "name"));
            String missed = entry.get("missed").asString().orElse("skip");
            if (!missed.equals("skip") && !missed.equals("catch-up")) {
                throw new ConfigException("resident.tasks.schedule", name + ": missed must be skip or catch-up");
            }
            JsonNode params;
            try {
                params = Json.parse(entry.get("params").asString().orElse("{}"));
            } catch (Json.MalformedJsonException e) {
                throw new ConfigException("resident.tasks.schedule", name + ": params is not JSON");
            }
            if (!params.isObject()) {
                throw new ConfigException("resident.tasks.schedule", name + ": params must be a JSON object");
            }
            schedules.add(new Schedule(name,
                    entry.get("task").asString().orElseThrow(() -> missing(entry, "task")),
                    entry.get("cron").asString().orElseThrow(() -> missing(entry, "cron")),
                    zone(name, entry.get("zone").asString().orElse("UTC")),
                    (ObjectNode) params,
                    missed.equals("catch-up")));
        }
        if (schedules.stream().map(Schedule::name).distinct().count() < schedules.size()) {
            throw new ConfigException("resident.tasks.schedule", "names must be unique");
        }
        return schedules;
    }

    private static ZoneId zone(String schedule, String zone) {
        try {
            return ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            throw new ConfigException("resident.tasks.schedule", schedule + ": zone \"" + zone
                    + "\" is no time zone (UTC, Europe/Rome, +01:00, ...)");
        }
    }

    private static ConfigException missing(Config entry, String field) {
        return new ConfigException(entry.key() + "." + field, "is required");
    }

    /**
     * Reads the {@code legacy} node: empty when no upstream is configured (nothing is forwarded).
     */
    static Optional<LegacySettings> legacy(Config legacy) {
        String upstream = legacy.get("upstream").asString().get().trim();
        List<String> paths = strings(legacy.get("paths"));
        Duration connectTimeout = legacyConnectTimeout(legacy);
        Duration timeout = legacyTimeout(legacy);
        long maxBody = size(legacy.get("max-body"));
        LegacySettings.Spool spool = new LegacySettings.Spool(
                legacy.get("spool.dir").asString().asOptional().map(String::trim).filter(dir -> !dir.isEmpty())
                        .map(Path::of),
                size(legacy.get("spool.max-disk")),
                size(legacy.get("spool.per-address")));
        if (upstream.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LegacySettings(URI.create(upstream),
                paths.isEmpty() ? LegacySettings.DEFAULT_PATHS : paths, connectTimeout, timeout, maxBody, spool));
    }

    /** {@code legacy.connect-timeout}: for the legacy app and its socket server alike. */
    private static Duration legacyConnectTimeout(Config legacy) {
        return positiveDuration(legacy.get("connect-timeout"));
    }

    /** {@code legacy.timeout}: for the legacy app and its socket server alike. */
    private static Duration legacyTimeout(Config legacy) {
        return positiveDuration(legacy.get("timeout"));
    }

    /**
     * Reads the legacy socket keys: empty when no upstream is configured or {@code legacy.ws-paths}
     * is {@code none} (the legacy socket is not passed through).
     */
    static Optional<LegacySocketSettings> legacySockets(Config legacy, WebSettings web) {
        String upstream = legacy.get("ws-upstream").asString().get().trim();
        if (upstream.isEmpty()) {
            upstream = legacy.get("upstream").asString().get().trim();
        }
        List<String> paths = strings(legacy.get("ws-paths"));
        Duration connectTimeout = legacyConnectTimeout(legacy);
        Duration timeout = legacyTimeout(legacy);
        if (upstream.isEmpty() || paths.equals(List.of("none"))) {
            return Optional.empty();
        }
        return Optional.of(new LegacySocketSettings(
                URI.create(upstream),
                paths.isEmpty() ? LegacySocketSettings.DEFAULT_PATHS : paths,
                connectTimeout,
                timeout,
                web.closeTimeout(),
                web.maxMessageBytes(),
                web.allowedOrigins()));
    }

    /**
     * Reads {@code legacy.session}, and {@code resident.limits.per-address.legacy-introspections}
     * (off with the other per-address limits): empty unless {@code resident.auth.mode} is {@code
     * legacy-session} (the legacy app's session) rather than {@code config} (users from {@code
     * resident.users}, {@code POST /_/login}). A path as the introspection URL is on {@code legacy.upstream}.
     */
    static Optional<LegacySessionSettings> legacySession(Config legacy, Config resident) {
        boolean on = oneOf(resident.get("auth.mode"), "config", "legacy-session").equals("legacy-session");
        Config session = legacy.get("session");
        String cookie = session.get("cookie").asString().get().trim();
        String introspect = session.get("introspect").asString().get().trim();
        Duration cacheTtl = duration(session.get("cache-ttl"));
        int cacheSize = count(session.get("cache-size"));
        Duration timeout = positiveDuration(session.get("timeout"));
        Duration outageGrace = duration(session.get("outage-grace"));
        int perAddress = count(resident.get("limits.per-address.legacy-introspections"));
        if (!on) {
            return Optional.empty();
        }
        if (introspect.startsWith("/")) {
            String upstream = legacy.get("upstream").asString().get().trim();
            if (upstream.isEmpty()) {
                throw new ConfigException("legacy.session.introspect", "a path needs legacy.upstream (LEGACY_UPSTREAM), which is not set");
            }
            introspect = upstream.replaceAll("/+$", "") + introspect;
        }
        return Optional.of(new LegacySessionSettings(cookie, URI.create(introspect), cacheTtl, cacheSize, timeout,
                outageGrace, perAddressLimits(resident) ? perAddress : Integer.MAX_VALUE));
    }

    /** The {@code /_legacy} bridge page type's settings: who may open one, and what it may watch. */
    record LegacyBridge(boolean guests, BridgeTables tables) {
    }

    /**
     * Reads {@code legacy.bridge}: empty when {@code page} turns the bridge page type off ({@code
     * auto}: on when {@code legacy.upstream} is set; {@code on}; {@code off}); {@code tables} is
     * what bridge pages may watch.
     */
    static Optional<LegacyBridge> legacyBridge(Config legacy) {
        Config bridge = legacy.get("bridge");
        boolean on = switch (oneOf(bridge.get("page"), "auto", "on", "off", "true", "false")) {
            case "auto" -> !legacy.get("upstream").asString().get().isBlank();
            case "on", "true" -> true;
            default -> false;
        };
        boolean guests = bool(bridge.get("guests"));
        List<String> entries = strings(bridge.get("tables"));
        for (String entry : entries) {
            if (!entry.matches("\\*|[A-Za-z0-9_.:-]+(\\.\\*)?")) {
                throw new ConfigException("legacy.bridge.tables", "\"" + entry + "\" must be a table name, pkg.* or *");
            }
        }
        return on ? Optional.of(new LegacyBridge(guests, BridgeTables.of(entries))) : Optional.empty();
    }

    /**
     * Reads the {@code ipc.nats} node.
     *
     * @param process {@code resident.process}; when empty a random id tells this process's
     *                messages apart from the others'
     */
    static NatsSettings nats(Config nats, String process) {
        NatsSettings.Builder settings = natsValues(nats, process);
        nats.get("password-file").asString().map(String::trim).filter(path -> !path.isEmpty())
                .ifPresent(path -> settings.password(secretFile(path, "ipc.nats.password-file")));
        return settings.build();
    }

    /** The values of the {@code ipc.nats} node, all but the password file, which only {@link #nats} reads. */
    private static NatsSettings.Builder natsValues(Config nats, String process) {
        NatsSettings.Builder settings = NatsSettings.builder(process.isEmpty() ? Ids.newId() : process);
        List<String> servers = strings(nats.get("url"));
        if (!servers.isEmpty()) {
            settings.servers(servers);
        }
        nats.get("prefix").asString().ifPresent(settings::prefix);
        nats.get("credentials").asString().ifPresent(settings::credentials);
        nats.get("user").asString().ifPresent(settings::user);
        nats.get("password").asString().ifPresent(settings::password);
        nats.get("token").asString().ifPresent(settings::token);
        optional(nats.get("connect-timeout"), ConfigValues::positiveDuration).ifPresent(settings::connectTimeout);
        Config reconnect = nats.get("reconnect");
        optional(reconnect.get("wait"), ConfigValues::duration).ifPresent(settings::reconnectWait);
        optional(reconnect.get("max-wait"), ConfigValues::duration).ifPresent(settings::reconnectMaxWait);
        optional(reconnect.get("jitter"), ConfigValues::duration).ifPresent(settings::reconnectJitter);
        optional(reconnect.get("grace"), ConfigValues::duration).ifPresent(settings::resubscribeGrace);
        optional(reconnect.get("buffer"), ConfigValues::size).ifPresent(settings::reconnectBuffer);
        optional(nats.get("pending.messages"), ConfigValues::size).ifPresent(settings::pendingMessages);
        optional(nats.get("pending.bytes"), ConfigValues::size).ifPresent(settings::pendingBytes);
        optional(nats.get("drain-timeout"), ConfigValues::positiveDuration).ifPresent(settings::drainTimeout);
        return settings;
    }

    /** A secret kept in a file (its first line), so that it is in no environment or command line. */
    private static String secretFile(String path, String key) {
        try {
            String secret = Files.readAllLines(Path.of(path)).stream().findFirst().orElse("").trim();
            if (secret.isEmpty()) {
                throw new ConfigException(key, path + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read " + path + " (" + e.getMessage() + ")");
        }
    }

    /** Reads the {@code dbevents.pg} node: empty when {@code url} is not set (no LISTEN link). */
    static Optional<PgSettings> pg(Config pg) {
        String url = pg.get("url").asString().get().trim();
        Set<String> tables = new HashSet<>(strings(pg.get("tables")));
        Duration reconnectWait = duration(pg.get("reconnect.wait"));
        Duration reconnectMaxWait = duration(pg.get("reconnect.max-wait"));
        Duration checkInterval = duration(pg.get("check-interval"));
        Duration connectTimeout = duration(pg.get("connect-timeout"));
        int maxRunChars = count(pg.get("max-run-chars"));
        if (url.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new PgSettings(url, pg.get("user").asString().get(), pg.get("password").asString().get(),
                pg.get("channel").asString().get(), tables, reconnectWait, reconnectMaxWait, checkInterval,
                connectTimeout, maxRunChars));
    }
}
