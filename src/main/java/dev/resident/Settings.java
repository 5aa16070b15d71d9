package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.nats.NatsSettings;
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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the {@code resident} config node into the settings records each package takes. Every
 * default is written once, in {@code application.yaml} (which every config loaded through {@link
 * ResidentConfig} has at its bottom): a key missing here is a bug, and fails at start.
 */
final class Settings {
    /** What a job's {@code done} message holds besides its result, at most (ids, state, seq), with room to spare. */
    private static final int JOB_MESSAGE_ENVELOPE = 4096;

    private Settings() {
    }

    static RegistrySettings registry(Config resident) {
        Config limits = resident.get("limits");
        PageSettings pages = new PageSettings(
                duration(resident.get("pages.idle-ttl")),
                limits.get("max-pending-rpc").asInt().get(),
                resident.get("pages.history.max-messages").asInt().get(),
                resident.get("pages.history.max-bytes").asLong().get(),
                duration(resident.get("pages.history.max-age")),
                limits.get("max-page-params").asInt().get());
        return new RegistrySettings(
                resident.get("process").asString().get(),
                pages,
                limits.get("max-pages-per-connection").asInt().get(),
                duration(resident.get("connections.guest-ttl")),
                duration(resident.get("connections.user-ttl")),
                duration(resident.get("sweep-interval")),
                // the one key without a written default: the number of cores of the machine it runs on
                resident.get("cpu-threads").asInt().orElse(Runtime.getRuntime().availableProcessors()),
                limits.get("max-watched-tables").asInt().get(),
                // one switch for every per-address limit: the bench holds all its pages as one address's guests
                limits.get("per-address.enabled").asBoolean().get()
                        ? limits.get("max-held-per-share").asLong().get() : Long.MAX_VALUE,
                limits.get("notices-per-minute").asInt().get(),
                limits.get("sessions-per-user").asInt().get());
    }

    static StateSettings state(Config resident) {
        Config state = resident.get("state");
        return new StateSettings(
                duration(state.get("snapshot-interval")),
                duration(state.get("lease")),
                duration(resident.get("connections.max-age")),
                state.get("max-store-bytes").asInt().get(),
                duration(state.get("recheck")),
                state.get("max-page-bytes").asInt().get());
    }

    /** @param serverHost {@code server.host}: what {@code resident.allowed-hosts} defaults to depends on it */
    static WebSettings web(Config resident, String serverHost) {
        Config limits = resident.get("limits");
        Config ws = resident.get("ws");
        return new WebSettings(
                resident.get("admin-token").asString().get().trim(),
                limits.get("max-body").asInt().get(),
                limits.get("max-bodies-heap").asLong().get(),
                limits.get("max-ws-message").asInt().get(),
                duration(ws.get("heartbeat")),
                ws.get("queue").asInt().get(),
                ws.get("queue-bytes").asLong().get(),
                ws.get("max-write-bytes").asInt().get(),
                duration(ws.get("close-timeout")),
                Set.copyOf(strings(ws.get("allowed-origins"))),
                duration(resident.get("pages.max-poll-wait")),
                login(resident),
                resident.get("admin.host").asString().orElse(""),
                duration(resident.get("hsts-max-age")),
                dev.resident.web.AllowedHosts.of(strings(resident.get("allowed-hosts")), serverHost,
                        resident.get("admin.host").asString().orElse("").trim()));
    }

    /** The {@code resident.login} node and {@code resident.limits.max-login-failures}. */
    static LoginSettings login(Config resident) {
        Config login = resident.get("login");
        return new LoginSettings(
                login.get("max-user-length").asInt().get(),
                login.get("max-password-length").asInt().get(),
                resident.get("limits.max-login-failures").asInt().get(),
                duration(login.get("failure-window")),
                duration(login.get("max-backoff")),
                login.get("per-address-per-minute").asInt().get(),
                login.get("global-per-minute").asInt().get(),
                login.get("quiet-addresses-per-minute").asInt().get(),
                login.get("quiet-address-logins").asInt().get(),
                login.get("max-pending").asInt().get(),
                login.get("max-tracked").asInt().get(),
                login.get("affinity-key").asString().orElse("").trim());
    }

    /** {@code resident.cpu-queue}: computations that wait for the CPU pool at most; beyond, {@code cpu_busy}. */
    static int cpuQueue(Config resident) {
        return resident.get("cpu-queue").asInt().get();
    }

    /** {@code resident.bench-pages}: whether the built-in {@code /_bench} page type is served. */
    static boolean benchPages(Config resident) {
        return resident.get("bench-pages").asBoolean().get();
    }

    /** {@code resident.demo}: whether the demo users and the demo app ({@code /board}) are on. */
    static boolean demo(Config resident) {
        return resident.get("demo").asBoolean().get();
    }

    /** The user nodes of the default authenticator: {@code resident.users}, plus the demo users in demo mode. */
    static List<Config> users(Config resident) {
        List<Config> users = new ArrayList<>(resident.get("users").asNodeList().orElse(List.of()));
        if (demo(resident)) {
            users.addAll(resident.get("demo-users").asNodeList().orElse(List.of()));
        }
        return users;
    }

    /**
     * Reads the {@code legacy} node: empty when no upstream is configured (nothing is forwarded).
     */
    static Optional<LegacySettings> legacy(Config legacy) {
        String upstream = legacy.get("upstream").asString().get().trim();
        if (upstream.isEmpty()) {
            return Optional.empty();
        }
        List<String> paths = strings(legacy.get("paths"));
        return Optional.of(new LegacySettings(
                URI.create(upstream),
                paths.isEmpty() ? LegacySettings.DEFAULT_PATHS : paths,
                duration(legacy.get("connect-timeout")),
                duration(legacy.get("timeout")),
                legacy.get("max-body").asLong().get(),
                new LegacySettings.Spool(
                        legacy.get("spool.dir").asString().asOptional().map(String::trim).filter(dir -> !dir.isEmpty())
                                .map(Path::of),
                        legacy.get("spool.max-disk").asLong().get(),
                        legacy.get("spool.per-address").asLong().get())));
    }

    /** Reads {@code resident.admin}: how the admin view waits for the other processes of a site. */
    static SiteAdminSettings siteAdmin(Config resident) {
        return new SiteAdminSettings(
                duration(resident.get("admin.deadline")),
                duration(resident.get("admin.forget-after")));
    }

    /** The request log's file ({@code ""}: the {@code dev.resident.requests} logger) when {@code resident.request-log.enabled}. */
    static Optional<String> requestLog(Config resident) {
        Config log = resident.get("request-log");
        return log.get("enabled").asBoolean().get()
                ? Optional.of(log.get("file").asString().get().trim())
                : Optional.empty();
    }

    /**
     * Reads the legacy socket keys: empty when no upstream is configured or {@code legacy.ws-paths}
     * is {@code none} (the legacy socket is not passed through).
     */
    static Optional<LegacySocketSettings> legacySockets(Config legacy, WebSettings web) {
        String upstream = legacy.get("ws-upstream").asString().orElse("").trim();
        if (upstream.isEmpty()) {
            upstream = legacy.get("upstream").asString().orElse("").trim();
        }
        List<String> paths = strings(legacy.get("ws-paths"));
        if (upstream.isEmpty() || paths.equals(List.of("none"))) {
            return Optional.empty();
        }
        return Optional.of(new LegacySocketSettings(
                URI.create(upstream),
                paths.isEmpty() ? LegacySocketSettings.DEFAULT_PATHS : paths,
                duration(legacy.get("connect-timeout")),
                duration(legacy.get("timeout")),
                web.closeTimeout(),
                web.maxMessageBytes(),
                web.allowedOrigins()));
    }

    /**
     * {@code resident.auth.mode}: {@code config} (users from {@code resident.users}, {@code POST
     * /_/login}) or {@code legacy-session} (the legacy app's session, {@link #legacySession}).
     */
    static boolean legacySessionLogin(Config resident) {
        String mode = resident.get("auth.mode").asString().orElse("config").trim();
        return switch (mode) {
            case "config" -> false;
            case "legacy-session" -> true;
            default -> throw new ConfigException("resident.auth.mode", "\"" + mode + "\" must be config or legacy-session");
        };
    }

    /**
     * Reads {@code legacy.session}, and {@code resident.limits.per-address.legacy-introspections}
     * (off with the other per-address limits); a path as the introspection URL is on {@code legacy.upstream}.
     */
    static LegacySessionSettings legacySession(Config legacy, Config resident) {
        Config session = legacy.get("session");
        String introspect = session.get("introspect").asString().orElse("").trim();
        if (introspect.startsWith("/")) {
            String upstream = legacy.get("upstream").asString().orElse("").trim();
            if (upstream.isEmpty()) {
                throw new ConfigException("legacy.session.introspect", "a path needs legacy.upstream (LEGACY_UPSTREAM), which is not set");
            }
            introspect = upstream.replaceAll("/+$", "") + introspect;
        }
        return new LegacySessionSettings(
                session.get("cookie").asString().orElse("").trim(),
                URI.create(introspect),
                duration(session.get("cache-ttl")),
                session.get("cache-size").asInt().get(),
                duration(session.get("timeout")),
                duration(session.get("outage-grace")),
                resident.get("limits.per-address.enabled").asBoolean().get()
                        ? resident.get("limits.per-address.legacy-introspections").asInt().get() : Integer.MAX_VALUE);
    }

    /** {@code legacy.bridge.page}: {@code auto} (on when {@code legacy.upstream} is set), {@code on} or {@code off}. */
    static boolean legacyBridgePage(Config legacy) {
        String page = legacy.get("bridge.page").asString().orElse("auto").trim();
        return switch (page) {
            case "auto" -> !legacy.get("upstream").asString().orElse("").isBlank();
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new ConfigException("legacy.bridge.page", "\"" + page + "\" must be auto, on or off");
        };
    }

    /** {@code legacy.bridge.tables}: what bridge pages may watch. */
    static BridgeTables bridgeTables(Config bridge) {
        List<String> entries = strings(bridge.get("tables"));
        for (String entry : entries) {
            if (!entry.matches("\\*|[A-Za-z0-9_.:-]+(\\.\\*)?")) {
                throw new ConfigException("legacy.bridge.tables", "\"" + entry + "\" must be a table name, pkg.* or *");
            }
        }
        return BridgeTables.of(entries);
    }

    /** The admission caps, the header timeout and the slow-call threshold ({@code resident.limits}). */
    static AdmissionSettings admission(Config resident) {
        Config limits = resident.get("limits");
        Config perAddress = limits.get("per-address");
        return new AdmissionSettings(
                limits.get("max-connections").asInt().get(),
                limits.get("max-pages").asInt().get(),
                limits.get("max-sockets").asInt().get(),
                perAddress.get("enabled").asBoolean().get(),
                perAddress.get("new-connections-per-minute").asInt().get(),
                perAddress.get("new-pages-per-minute").asInt().get(),
                perAddress.get("sockets").asInt().get(),
                perAddress.get("connections").asInt().get(),
                perAddress.get("stalled-writes").asInt().get(),
                perAddress.get("max-tracked").asInt().get(),
                duration(limits.get("header-timeout")),
                duration(limits.get("body-timeout")),
                limits.get("body-min-rate").asInt().get(),
                duration(limits.get("send-timeout")),
                duration(limits.get("slow-call")),
                perAddress.get("bodies-heap").asLong().get(),
                perAddress.get("guest-pages").asInt().get(),
                perAddress.get("guest-connections").asInt().get(),
                limits.get("max-pages-per-user").asInt().get(),
                duration(limits.get("guests-give-way-after")),
                limits.get("max-queued-bytes").asLong().get(),
                perAddress.get("queued-bytes").asLong().get(),
                perAddress.get("ipv6-networks-per-48").asInt().get(),
                duration(perAddress.get("ipv6-window")));
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
     * Reads the {@code ipc.nats} node.
     *
     * @param process {@code resident.process}; when empty a random id tells this process's
     *                messages apart from the others'
     */
    static NatsSettings nats(Config nats, String process) {
        NatsSettings.Builder settings = NatsSettings.builder(process.isEmpty() ? Ids.newId() : process);
        List<String> servers = strings(nats.get("url"));
        if (!servers.isEmpty()) {
            settings.servers(servers);
        }
        nats.get("prefix").asString().ifPresent(settings::prefix);
        nats.get("credentials").asString().ifPresent(settings::credentials);
        nats.get("user").asString().ifPresent(settings::user);
        nats.get("password").asString().ifPresent(settings::password);
        nats.get("password-file").asString().map(String::trim).filter(path -> !path.isEmpty())
                .ifPresent(path -> settings.password(secretFile(path, "ipc.nats.password-file")));
        nats.get("token").asString().ifPresent(settings::token);
        optionalDuration(nats.get("connect-timeout")).ifPresent(settings::connectTimeout);
        Config reconnect = nats.get("reconnect");
        optionalDuration(reconnect.get("wait")).ifPresent(settings::reconnectWait);
        optionalDuration(reconnect.get("max-wait")).ifPresent(settings::reconnectMaxWait);
        optionalDuration(reconnect.get("jitter")).ifPresent(settings::reconnectJitter);
        optionalDuration(reconnect.get("grace")).ifPresent(settings::resubscribeGrace);
        reconnect.get("buffer").asLong().ifPresent(settings::reconnectBuffer);
        nats.get("pending.messages").asLong().ifPresent(settings::pendingMessages);
        nats.get("pending.bytes").asLong().ifPresent(settings::pendingBytes);
        optionalDuration(nats.get("drain-timeout")).ifPresent(settings::drainTimeout);
        return settings.build();
    }

    /**
     * A duration every config has: application.yaml writes its default.
     *
     * @throws ConfigException naming the key when it is no duration, or a negative one
     */
    static Duration duration(Config node) {
        return parsed(node.key().toString(), node.asString().get());
    }

    private static Duration parsed(String key, String text) {
        Duration value;
        try {
            value = ResidentConfig.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        if (value.isNegative()) {
            throw new ConfigException(key, "\"" + text + "\" is negative: a duration is 0 or more");
        }
        return value;
    }

    /** Durations for which 0 means nothing useful (a ping every millisecond, a session that ends at once, ...). */
    private static final List<String> POSITIVE_DURATIONS = List.of(
            "resident.sweep-interval", "resident.pages.idle-ttl", "resident.pages.max-poll-wait",
            "resident.pages.history.max-age", "resident.connections.guest-ttl", "resident.connections.user-ttl",
            "resident.connections.max-age", "resident.state.snapshot-interval", "resident.state.lease",
            "resident.state.request-timeout", "resident.state.recheck",
            "resident.limits.per-address.ipv6-window", "resident.limits.header-timeout",
            "resident.limits.body-timeout", "resident.limits.send-timeout", "resident.limits.slow-call",
            "resident.login.failure-window", "resident.login.max-backoff", "resident.ws.heartbeat",
            "resident.ws.close-timeout", "resident.tasks.keep-finished", "resident.tasks.ack-wait",
            "resident.tasks.nats-timeout", "resident.admin.deadline", "resident.admin.forget-after",
            "legacy.connect-timeout", "legacy.timeout", "legacy.session.timeout",
            "ipc.nats.connect-timeout", "ipc.nats.drain-timeout");
    /** Durations whose 0 is documented: HSTS not sent, guests never give way, no wait, no cache, no grace. */
    private static final List<String> DURATIONS = List.of(
            "resident.hsts-max-age", "resident.limits.guests-give-way-after", "resident.shutdown.grace",
            "resident.shutdown.linger", "legacy.session.cache-ttl", "legacy.session.outage-grace",
            "ipc.nats.reconnect.wait", "ipc.nats.reconnect.max-wait", "ipc.nats.reconnect.jitter",
            "ipc.nats.reconnect.grace");
    /** Counts and sizes for which 0 (or less) closes, refuses or empties everything. */
    private static final List<String> COUNTS = List.of(
            "resident.cpu-threads", "resident.cpu-queue", "resident.pages.history.max-messages",
            "resident.pages.history.max-bytes", "resident.state.max-store-bytes", "resident.state.max-page-bytes",
            "resident.limits.max-body", "resident.limits.max-bodies-heap", "resident.limits.max-queued-bytes",
            "resident.limits.max-ws-message", "resident.limits.max-pages-per-connection",
            "resident.limits.max-pages-per-user", "resident.limits.max-held-per-share",
            "resident.limits.max-watched-tables", "resident.limits.notices-per-minute",
            "resident.limits.sessions-per-user", "resident.limits.max-pending-rpc", "resident.limits.max-page-params",
            "resident.limits.max-login-failures", "resident.limits.max-connections", "resident.limits.max-pages",
            "resident.limits.max-sockets", "resident.limits.per-address.new-connections-per-minute",
            "resident.limits.per-address.new-pages-per-minute", "resident.limits.per-address.guest-pages",
            "resident.limits.per-address.guest-connections", "resident.limits.per-address.sockets",
            "resident.limits.per-address.connections", "resident.limits.per-address.stalled-writes",
            "resident.limits.per-address.bodies-heap", "resident.limits.per-address.queued-bytes",
            "resident.limits.per-address.legacy-introspections", "resident.limits.per-address.max-tracked",
            "resident.limits.body-min-rate", "resident.login.max-user-length", "resident.login.max-password-length",
            "resident.login.per-address-per-minute", "resident.login.global-per-minute",
            "resident.login.max-pending", "resident.login.max-tracked", "resident.ws.queue",
            "resident.ws.queue-bytes", "resident.ws.max-write-bytes", "resident.tasks.queue",
            "resident.tasks.max-jobs-per-user", "resident.tasks.progress-per-second", "resident.tasks.max-params",
            "resident.tasks.max-result", "resident.tasks.max-jobs", "resident.tasks.max-kept-results",
            "resident.tasks.max-store-bytes", "resident.tasks.max-result-bytes-per-user",
            "resident.tasks.max-jobs-per-user-per-window", "resident.tasks.max-deliveries",
            "legacy.max-body", "legacy.spool.max-disk", "legacy.spool.per-address", "legacy.session.cache-size",
            "dbevents.pg.max-run-chars", "ipc.nats.reconnect.buffer", "ipc.nats.pending.messages",
            "ipc.nats.pending.bytes");
    /** Counts whose 0 is documented: no workers, no write bound, every /64 apart, no quiet logins, no bucket bound. */
    private static final List<String> COUNTS_OR_ZERO = List.of(
            "resident.tasks.workers", "resident.state.write-rate",
            "resident.limits.per-address.ipv6-networks-per-48", "resident.login.quiet-addresses-per-minute",
            "resident.login.quiet-address-logins", "resident.state.nats-bucket-bytes.connections",
            "resident.state.nats-bucket-bytes.connection-stores", "resident.state.nats-bucket-bytes.users",
            "resident.state.nats-bucket-bytes.global", "resident.state.nats-bucket-bytes.pages",
            "resident.state.nats-bucket-bytes.processes");
    /** Switches: exactly {@code true} or {@code false}; Helidon reads any other word as false. */
    private static final List<String> BOOLEANS = List.of(
            "resident.demo", "resident.bench-pages", "resident.state.fsync", "resident.request-log.enabled",
            "resident.access-log.enabled", "resident.limits.per-address.enabled", "legacy.bridge.guests",
            "server.use-nio");
    /** A process id as page ids carry it ({@code |p01}, {@link dev.resident.id.Ids#isWellFormed}): p and 2 to 16 digits. */
    private static final java.util.regex.Pattern PROCESS = java.util.regex.Pattern.compile("p[0-9]{2,16}");

    /**
     * Checks the values of a server started from the command line before anything starts: a value
     * that cannot be used (a typo, a zero that would close every socket, ...) stops the start with
     * a {@link ConfigException} naming its key, rather than a server that runs wrongly.
     */
    static void check(Config config) {
        for (String key : POSITIVE_DURATIONS) {
            present(config.get(key)).ifPresent(text -> {
                if (parsed(key, text).isZero()) {
                    throw new ConfigException(key, "\"" + text + "\" must be more than 0; a duration is "
                            + ResidentConfig.DURATION_FORMS);
                }
            });
        }
        for (String key : DURATIONS) {
            present(config.get(key)).ifPresent(text -> parsed(key, text));
        }
        for (String key : COUNTS) {
            present(config.get(key)).ifPresent(text -> number(key, text, 1));
        }
        for (String key : COUNTS_OR_ZERO) {
            present(config.get(key)).ifPresent(text -> number(key, text, 0));
        }
        for (String key : BOOLEANS) {
            present(config.get(key)).ifPresent(text -> {
                if (!text.trim().equals("true") && !text.trim().equals("false")) {
                    throw new ConfigException(key, "\"" + text + "\" must be true or false");
                }
            });
        }
        present(config.get("server.port")).ifPresent(text -> {
            if (number("server.port", text, 0) > 65535) {
                throw new ConfigException("server.port", "\"" + text + "\" must be 0 (any free port) to 65535");
            }
        });
        String process = config.get("resident.process").asString().orElse("").trim();
        if (!process.isEmpty() && !PROCESS.matcher(process).matches()) {
            throw new ConfigException("resident.process", "\"" + process + "\" must be p followed by 2 to 16 digits"
                    + " (p01, p02, ...; page ids end with |p01), or empty for a single process");
        }
        oneOf(config, "ipc.backend", "local", "nats");
        oneOf(config, "resident.state.store", "auto", "embedded", "nats", "memory");
        oneOf(config, "resident.auth.mode", "config", "legacy-session");
        oneOf(config, "resident.tasks.fallback", "local", "reject");
        oneOf(config, "legacy.bridge.page", "auto", "on", "off", "true", "false");
    }

    private static Optional<String> present(Config node) {
        return node.exists() && node.type() == Config.Type.VALUE ? node.asString().asOptional() : Optional.empty();
    }

    private static long number(String key, String text, long min) {
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "\"" + text + "\" must be a whole number, " + min + " or more");
        }
        if (value < min) {
            throw new ConfigException(key, "\"" + text + "\" must be " + min + " or more"
                    + (min == 1 ? " (0 would refuse or close everything)" : ""));
        }
        return value;
    }

    private static void oneOf(Config config, String key, String... allowed) {
        present(config.get(key)).map(String::trim).ifPresent(text -> {
            if (!List.of(allowed).contains(text)) {
                throw new ConfigException(key, "\"" + text + "\" must be one of " + String.join(", ", allowed));
            }
        });
    }

    /**
     * Reads the {@code resident.tasks} node (background jobs). A job's {@code done} message carries
     * its result to its page through the socket's queue and the page's history: {@code max-result}
     * must leave it room in both, or a page could never get a result its job was allowed.
     */
    static TaskSettings tasks(Config resident) {
        Config tasks = resident.get("tasks");
        long room = Math.min(resident.get("ws.queue-bytes").asLong().get(),
                resident.get("pages.history.max-bytes").asLong().get()) - JOB_MESSAGE_ENVELOPE;
        if (tasks.get("max-result").asInt().get() > room) {
            throw new ConfigException("resident.tasks.max-result", "must leave a job's message room in"
                    + " resident.ws.queue-bytes and resident.pages.history.max-bytes: at most " + room);
        }
        String fallback = tasks.get("fallback").asString().get().trim();
        if (!fallback.equals("local") && !fallback.equals("reject")) {
            throw new ConfigException("resident.tasks.fallback", "\"" + fallback + "\" must be local or reject");
        }
        return new TaskSettings(
                tasks.get("workers").asInt().get(),
                tasks.get("queue").asInt().get(),
                tasks.get("max-jobs-per-user").asInt().get(),
                tasks.get("progress-per-second").asInt().get(),
                tasks.get("max-params").asInt().get(),
                tasks.get("max-result").asInt().get(),
                duration(tasks.get("keep-finished")),
                tasks.get("max-jobs").asInt().get(),
                tasks.get("max-kept-results").asLong().get(),
                tasks.get("max-store-bytes").asLong().get(),
                tasks.get("max-result-bytes-per-user").asLong().get(),
                tasks.get("max-jobs-per-user-per-window").asInt().get(),
                tasks.get("max-deliveries").asInt().get(),
                duration(tasks.get("ack-wait")),
                fallback.equals("local"),
                duration(tasks.get("nats-timeout")));
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
            JsonNode params = Json.parse(entry.get("params").asString().orElse("{}"));
            if (!params.isObject()) {
                throw new ConfigException("resident.tasks.schedule", name + ": params must be a JSON object");
            }
            schedules.add(new Schedule(name,
                    entry.get("task").asString().orElseThrow(() -> missing(entry, "task")),
                    entry.get("cron").asString().orElseThrow(() -> missing(entry, "cron")),
                    ZoneId.of(entry.get("zone").asString().orElse("UTC")),
                    (ObjectNode) params,
                    missed.equals("catch-up")));
        }
        if (schedules.stream().map(Schedule::name).distinct().count() < schedules.size()) {
            throw new ConfigException("resident.tasks.schedule", "names must be unique");
        }
        return schedules;
    }

    private static ConfigException missing(Config entry, String field) {
        return new ConfigException(entry.key() + "." + field, "is required");
    }

    private static Optional<Duration> optionalDuration(Config node) {
        return node.asString().asOptional().map(text -> parsed(node.key().toString(), text));
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

    /** A list in YAML or a comma-separated string from the environment. */
    private static List<String> strings(Config node) {
        List<String> listed = node.type() == Config.Type.VALUE
                ? node.asString().map(text -> Arrays.asList(text.split(","))).orElse(List.of())
                : node.asList(String.class).orElse(List.of());
        return listed.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
