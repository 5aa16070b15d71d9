package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.nats.NatsSettings;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.legacy.LegacySettings;
import dev.resident.page.PageSettings;
import dev.resident.registry.RegistrySettings;
import dev.resident.task.engine.Schedule;
import dev.resident.task.engine.TaskSettings;
import dev.resident.web.WebSettings;
import io.helidon.config.Config;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
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

    /** Reads the {@code resident.tasks} node (background jobs). */
    static TaskSettings tasks(Config tasks) {
        String fallback = tasks.get("fallback").asString().orElse("local").trim();
        if (!fallback.equals("local") && !fallback.equals("reject")) {
            throw new IllegalArgumentException("resident.tasks.fallback must be local or reject: " + fallback);
        }
        return new TaskSettings(
                tasks.get("workers").asInt().orElse(2),
                tasks.get("queue").asInt().orElse(1000),
                tasks.get("progress-per-second").asInt().orElse(5),
                tasks.get("max-params").asInt().orElse(65536),
                tasks.get("max-result").asInt().orElse(262144),
                duration(tasks.get("keep-finished"), Duration.ofHours(1)),
                tasks.get("max-jobs").asInt().orElse(10000),
                tasks.get("max-deliveries").asInt().orElse(3),
                duration(tasks.get("ack-wait"), Duration.ofSeconds(30)),
                fallback.equals("local"),
                duration(tasks.get("nats-timeout"), Duration.ofSeconds(2)));
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
                throw new IllegalArgumentException("resident.tasks.schedule " + name + ": missed must be skip or catch-up");
            }
            JsonNode params = Json.parse(entry.get("params").asString().orElse("{}"));
            if (!params.isObject()) {
                throw new IllegalArgumentException("resident.tasks.schedule " + name + ": params must be a JSON object");
            }
            schedules.add(new Schedule(name,
                    entry.get("task").asString().orElseThrow(() -> missing(entry, "task")),
                    entry.get("cron").asString().orElseThrow(() -> missing(entry, "cron")),
                    ZoneId.of(entry.get("zone").asString().orElse("UTC")),
                    (ObjectNode) params,
                    missed.equals("catch-up")));
        }
        if (schedules.stream().map(Schedule::name).distinct().count() < schedules.size()) {
            throw new IllegalArgumentException("resident.tasks.schedule names must be unique");
        }
        return schedules;
    }

    private static IllegalArgumentException missing(Config entry, String field) {
        return new IllegalArgumentException(entry.key() + "." + field + " is required");
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
