package dev.resident;

import dev.resident.bus.nats.NatsSettings;
import dev.resident.id.Ids;
import dev.resident.legacy.LegacySettings;
import dev.resident.legacy.LegacySessionSettings;
import dev.resident.legacy.LegacySocketSettings;
import dev.resident.page.PageSettings;
import dev.resident.registry.RegistrySettings;
import dev.resident.web.WebSettings;
import io.helidon.config.Config;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.resident.ResidentConfig.duration;

/** Reads the {@code resident} config node into the settings records each package takes. */
final class Settings {
    private Settings() {
    }

    static RegistrySettings registry(Config resident) {
        Config limits = resident.get("limits");
        PageSettings pages = new PageSettings(
                duration(resident.get("pages.idle-ttl"), Duration.ofSeconds(600)),
                limits.get("max-pending-rpc").asInt().orElse(1024),
                resident.get("pages.history.max-messages").asInt().orElse(1000),
                duration(resident.get("pages.history.max-age"), Duration.ofMinutes(10)));
        return new RegistrySettings(
                resident.get("process").asString().orElse(""),
                pages,
                limits.get("max-pages-per-connection").asInt().orElse(64),
                duration(resident.get("connections.guest-ttl"), Duration.ofSeconds(1800)),
                duration(resident.get("connections.user-ttl"), Duration.ofSeconds(7200)),
                duration(resident.get("sweep-interval"), Duration.ofSeconds(10)),
                resident.get("cpu-threads").asInt().orElse(Runtime.getRuntime().availableProcessors()));
    }

    static WebSettings web(Config resident) {
        Config limits = resident.get("limits");
        Config ws = resident.get("ws");
        return new WebSettings(
                resident.get("admin-token").asString().orElse(""),
                limits.get("max-body").asInt().orElse(1 << 20),
                limits.get("max-ws-message").asInt().orElse(1 << 20),
                duration(ws.get("heartbeat"), Duration.ofSeconds(30)),
                ws.get("queue").asInt().orElse(1024),
                duration(ws.get("close-timeout"), Duration.ofSeconds(5)),
                Set.copyOf(strings(ws.get("allowed-origins"))),
                duration(resident.get("pages.max-poll-wait"), Duration.ofSeconds(30)),
                limits.get("max-login-failures").asInt().orElse(10));
    }

    /**
     * Reads the {@code legacy} node: empty when no upstream is configured (nothing is forwarded).
     */
    static Optional<LegacySettings> legacy(Config legacy) {
        String upstream = legacy.get("upstream").asString().orElse("").trim();
        if (upstream.isEmpty()) {
            return Optional.empty();
        }
        List<String> paths = strings(legacy.get("paths"));
        return Optional.of(new LegacySettings(
                URI.create(upstream),
                paths.isEmpty() ? LegacySettings.DEFAULT_PATHS : paths,
                duration(legacy.get("connect-timeout"), LegacySettings.DEFAULT_CONNECT_TIMEOUT),
                duration(legacy.get("timeout"), LegacySettings.DEFAULT_TIMEOUT),
                legacy.get("max-body").asLong().orElse(LegacySettings.DEFAULT_MAX_BODY)));
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
                duration(legacy.get("connect-timeout"), LegacySettings.DEFAULT_CONNECT_TIMEOUT),
                duration(legacy.get("timeout"), LegacySettings.DEFAULT_TIMEOUT),
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
            default -> throw new IllegalArgumentException("resident.auth.mode is config or legacy-session, not " + mode);
        };
    }

    /** Reads {@code legacy.session}; a path as the introspection URL is on {@code legacy.upstream}. */
    static LegacySessionSettings legacySession(Config legacy) {
        Config session = legacy.get("session");
        String introspect = session.get("introspect").asString().orElse("").trim();
        if (introspect.startsWith("/")) {
            String upstream = legacy.get("upstream").asString().orElse("").trim();
            if (upstream.isEmpty()) {
                throw new IllegalArgumentException("legacy.session.introspect is a path but legacy.upstream is not set");
            }
            introspect = upstream.replaceAll("/+$", "") + introspect;
        }
        return new LegacySessionSettings(
                session.get("cookie").asString().orElse("").trim(),
                URI.create(introspect),
                duration(session.get("cache-ttl"), LegacySessionSettings.DEFAULT_CACHE_TTL),
                session.get("cache-size").asInt().orElse(LegacySessionSettings.DEFAULT_CACHE_SIZE),
                duration(session.get("timeout"), LegacySessionSettings.DEFAULT_TIMEOUT));
    }

    /** {@code legacy.bridge.page}: {@code auto} (on when {@code legacy.upstream} is set), {@code on} or {@code off}. */
    static boolean legacyBridgePage(Config legacy) {
        String page = legacy.get("bridge.page").asString().orElse("auto").trim();
        return switch (page) {
            case "auto" -> !legacy.get("upstream").asString().orElse("").isBlank();
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("legacy.bridge.page is auto, on or off, not " + page);
        };
    }

    static Duration shutdownGrace(Config resident) {
        return duration(resident.get("shutdown.grace"), Duration.ofSeconds(20));
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

    private static Optional<Duration> optionalDuration(Config node) {
        return node.asString().map(ResidentConfig::parseDuration);
    }

    /** A list in YAML or a comma-separated string from the environment. */
    private static List<String> strings(Config node) {
        List<String> listed = node.type() == Config.Type.VALUE
                ? node.asString().map(text -> Arrays.asList(text.split(","))).orElse(List.of())
                : node.asList(String.class).orElse(List.of());
        return listed.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
