package dev.resident;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the configuration: {@code application.yaml} from the classpath, an optional file named by
 * {@code RESIDENT_CONFIG}, Helidon's environment and system-property sources, and on top of them
 * all the short environment names documented in the README ({@code PORT}, {@code IPC_BACKEND},
 * ...): a value a deployment pins with one ({@code DEMO=false}) is not undone by Helidon's mapping
 * of another variable ({@code RESIDENT_DEMO=true}).
 */
public final class ResidentConfig {
    /** Short environment names and the config keys they set. */
    static final Map<String, String> ENV_ALIASES = Map.ofEntries(
            Map.entry("PORT", "server.port"),
            Map.entry("HOST", "server.host"),
            Map.entry("IPC_BACKEND", "ipc.backend"),
            Map.entry("NATS_URL", "ipc.nats.url"),
            Map.entry("NATS_PREFIX", "ipc.nats.prefix"),
            Map.entry("NATS_CREDENTIALS", "ipc.nats.credentials"),
            Map.entry("NATS_USER", "ipc.nats.user"),
            Map.entry("NATS_PASSWORD", "ipc.nats.password"),
            Map.entry("NATS_PASSWORD_FILE", "ipc.nats.password-file"),
            Map.entry("NATS_TOKEN", "ipc.nats.token"),
            Map.entry("PROCESS_ID", "resident.process"),
            Map.entry("ADMIN_TOKEN", "resident.admin-token"),
            Map.entry("AFFINITY_KEY", "resident.login.affinity-key"),
            Map.entry("ADMIN_HOST", "resident.admin.host"),
            Map.entry("BENCH_PAGES", "resident.bench-pages"),
            Map.entry("DEMO", "resident.demo"),
            Map.entry("HEARTBEAT", "resident.ws.heartbeat"),
            Map.entry("SOCKET_QUEUE", "resident.ws.queue"),
            Map.entry("SOCKET_QUEUE_BYTES", "resident.ws.queue-bytes"),
            Map.entry("SOCKET_WRITE_BYTES", "resident.ws.max-write-bytes"),
            Map.entry("PAGE_HISTORY_BYTES", "resident.pages.history.max-bytes"),
            Map.entry("ALLOWED_ORIGINS", "resident.ws.allowed-origins"),
            Map.entry("PAGE_TTL", "resident.pages.idle-ttl"),
            Map.entry("GUEST_TTL", "resident.connections.guest-ttl"),
            Map.entry("CONNECTION_TTL", "resident.connections.user-ttl"),
            Map.entry("MAX_BODY", "resident.limits.max-body"),
            Map.entry("MAX_WS_MESSAGE", "resident.limits.max-ws-message"),
            Map.entry("MAX_KEPT_RESULTS", "resident.tasks.max-kept-results"),
            Map.entry("MAX_WATCHED_TABLES", "resident.limits.max-watched-tables"),
            Map.entry("NOTICES_PER_MINUTE", "resident.limits.notices-per-minute"),
            Map.entry("SESSIONS_PER_USER", "resident.limits.sessions-per-user"),
            Map.entry("MAX_JOBS_PER_USER", "resident.tasks.max-jobs-per-user"),
            Map.entry("MAX_JOB_STORE_BYTES", "resident.tasks.max-store-bytes"),
            Map.entry("MAX_PAGES_PER_CONNECTION", "resident.limits.max-pages-per-connection"),
            Map.entry("MAX_PENDING_RPC", "resident.limits.max-pending-rpc"),
            Map.entry("MAX_PAGE_PARAMS", "resident.limits.max-page-params"),
            Map.entry("MAX_BODIES_HEAP", "resident.limits.max-bodies-heap"),
            Map.entry("ADDRESS_BODIES_HEAP", "resident.limits.per-address.bodies-heap"),
            Map.entry("LOGIN_QUIET_PER_MINUTE", "resident.login.quiet-addresses-per-minute"),
            Map.entry("MAX_QUEUED_BYTES", "resident.limits.max-queued-bytes"),
            Map.entry("ADDRESS_QUEUED_BYTES", "resident.limits.per-address.queued-bytes"),
            Map.entry("ADDRESS_LEGACY_INTROSPECTIONS", "resident.limits.per-address.legacy-introspections"),
            Map.entry("ADDRESS_IPV6_NETWORKS_PER_48", "resident.limits.per-address.ipv6-networks-per-48"),
            Map.entry("ADDRESS_IPV6_WINDOW", "resident.limits.per-address.ipv6-window"),
            Map.entry("MAX_PAGE_BYTES", "resident.state.max-page-bytes"),
            Map.entry("SHUTDOWN_GRACE", "resident.shutdown.grace"),
            Map.entry("SHUTDOWN_LINGER", "resident.shutdown.linger"),
            Map.entry("STATE_STORE", "resident.state.store"),
            Map.entry("STATE_DIR", "resident.state.dir"),
            Map.entry("STATE_FSYNC", "resident.state.fsync"),
            Map.entry("STATE_WRITE_RATE", "resident.state.write-rate"),
            Map.entry("SNAPSHOT_INTERVAL", "resident.state.snapshot-interval"),
            Map.entry("SESSION_MAX_AGE", "resident.connections.max-age"),
            Map.entry("TASK_WORKERS", "resident.tasks.workers"),
            Map.entry("TASK_FALLBACK", "resident.tasks.fallback"),
            Map.entry("LEGACY_UPSTREAM", "legacy.upstream"),
            Map.entry("LEGACY_PATHS", "legacy.paths"),
            Map.entry("LEGACY_TIMEOUT", "legacy.timeout"),
            Map.entry("LEGACY_SPOOL_DIR", "legacy.spool.dir"),
            Map.entry("LEGACY_SPOOL_MAX_DISK", "legacy.spool.max-disk"),
            Map.entry("REQUEST_LOG", "resident.request-log.enabled"),
            Map.entry("REQUEST_LOG_FILE", "resident.request-log.file"),

            Map.entry("DBEVENTS_PG_URL", "dbevents.pg.url"),
            Map.entry("DBEVENTS_PG_USER", "dbevents.pg.user"),
            Map.entry("DBEVENTS_PG_PASSWORD", "dbevents.pg.password"),
            Map.entry("DBEVENTS_PG_CHANNEL", "dbevents.pg.channel"),
            Map.entry("DBEVENTS_PG_TABLES", "dbevents.pg.tables"),
            Map.entry("DBEVENTS_PG_MAX_RUN_CHARS", "dbevents.pg.max-run-chars"),
            Map.entry("DEMO_DB", "demo.db"),

            Map.entry("LEGACY_WS_PATHS", "legacy.ws-paths"),
            Map.entry("LEGACY_WS_UPSTREAM", "legacy.ws-upstream"),
            Map.entry("AUTH_MODE", "resident.auth.mode"),
            Map.entry("LEGACY_SESSION_COOKIE", "legacy.session.cookie"),
            Map.entry("LEGACY_SESSION_INTROSPECT", "legacy.session.introspect"),
            Map.entry("LEGACY_SESSION_OUTAGE_GRACE", "legacy.session.outage-grace"),
            Map.entry("LEGACY_BRIDGE_TABLES", "legacy.bridge.tables"),
            Map.entry("LEGACY_BRIDGE_PAGE", "legacy.bridge.page"),

            Map.entry("ACCESS_LOG", "resident.access-log.enabled"),
            Map.entry("ACCESS_LOG_FILE", "resident.access-log.file"),
            Map.entry("TRUSTED_PROXIES", "resident.trusted-proxies"),
            Map.entry("OBSERVE_TOKEN", "resident.observe-token"),
            Map.entry("MAX_CONNECTIONS", "resident.limits.max-connections"),
            Map.entry("MAX_PAGES", "resident.limits.max-pages"),
            Map.entry("MAX_SOCKETS", "resident.limits.max-sockets"),
            Map.entry("HEADER_TIMEOUT", "resident.limits.header-timeout"),
            Map.entry("HSTS_MAX_AGE", "resident.hsts-max-age"),
            Map.entry("BODY_TIMEOUT", "resident.limits.body-timeout"),
            Map.entry("BODY_MIN_RATE", "resident.limits.body-min-rate"),
            Map.entry("SEND_TIMEOUT", "resident.limits.send-timeout"),
            Map.entry("ALLOWED_HOSTS", "resident.allowed-hosts"),
            Map.entry("ADDRESS_CONNECTIONS", "resident.limits.per-address.connections"),
            Map.entry("ADDRESS_STALLED_WRITES", "resident.limits.per-address.stalled-writes"),
            Map.entry("ADDRESS_GUEST_PAGES", "resident.limits.per-address.guest-pages"),
            Map.entry("ADDRESS_GUEST_CONNECTIONS", "resident.limits.per-address.guest-connections"),
            Map.entry("MAX_PAGES_PER_USER", "resident.limits.max-pages-per-user"),
            Map.entry("MAX_HELD_PER_SHARE", "resident.limits.max-held-per-share"),
            Map.entry("GUESTS_GIVE_WAY_AFTER", "resident.limits.guests-give-way-after"),
            Map.entry("MAX_RESULT_BYTES_PER_USER", "resident.tasks.max-result-bytes-per-user"),
            Map.entry("MAX_JOBS_PER_USER_PER_WINDOW", "resident.tasks.max-jobs-per-user-per-window"),
            Map.entry("ADDRESS_LIMITS", "resident.limits.per-address.enabled"),
            Map.entry("SLOW_CALL", "resident.limits.slow-call"));

    private ResidentConfig() {
    }

    /** The configuration of a server started from the command line. */
    public static Config load(Map<String, String> env) {
        Map<String, String> overrides = new HashMap<>();
        ENV_ALIASES.forEach((name, key) -> {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                overrides.put(key, value);
            }
        });
        // sources in priority order; Helidon's own environment and system-property sources would
        // otherwise come before every source added here
        Config.Builder builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.systemProperties())
                .addSource(ConfigSources.environmentVariables());
        String file = env.get("RESIDENT_CONFIG");
        if (file != null && !file.isBlank()) {
            builder.addSource(ConfigSources.file(file));
        }
        return builder.addSource(ConfigSources.classpath("application.yaml")).build();
    }

    /** The packaged defaults with {@code overrides} (config keys) on top; for tests and embedding. */
    public static Config withOverrides(Map<String, String> overrides) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.classpath("application.yaml"))
                .build();
    }

    /** What {@link #parseDuration} accepts, for error messages. */
    static final String DURATION_FORMS = "a whole number with s, ms, m or h (30s, 500ms, 10m, 2h), plain seconds (30),"
            + " or ISO-8601 (PT30S)";

    /** {@code key}, followed by its short environment name in brackets when it has one. */
    static String describe(String key) {
        return ENV_ALIASES.entrySet().stream().filter(alias -> alias.getValue().equals(key)).map(Map.Entry::getKey)
                .sorted().findFirst().map(env -> key + " (" + env + ")").orElse(key);
    }

    /**
     * A duration written {@code 30s}, {@code 500ms}, {@code 10m}, {@code 2h}, plain seconds, or ISO-8601.
     *
     * @throws IllegalArgumentException naming the accepted forms, for anything else
     */
    static Duration parseDuration(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (value.startsWith("p") || value.startsWith("-p")) {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            long amount = Long.parseLong(value.replaceAll("[smh]$", ""));
            return switch (value.charAt(value.length() - 1)) {
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                default -> Duration.ofSeconds(amount);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration: " + DURATION_FORMS);
        }
    }
}
