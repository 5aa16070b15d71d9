package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.Resident;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import io.helidon.webserver.WebServer;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Several Resident servers in this JVM forming one site over a test's {@link NatsTestServer}, each
 * with its own port and process id, wired through the same {@link Resident#setup} as {@code Main}.
 */
public final class NatsSite implements AutoCloseable {
    /** The subject prefix of test sites. */
    public static final String PREFIX = "resident-test";
    private final Map<String, String> config = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();

    /**
     * @param overrides extra config keys for every server (e.g. NATS credentials)
     */
    public NatsSite(NatsTestServer nats, Map<String, String> overrides) {
        config.put("ipc.backend", "nats");
        config.put("ipc.nats.url", nats.url());
        config.put("ipc.nats.prefix", PREFIX);
        // reconnect fast so fault tests stay short; the grace still covers a full reconnect round
        config.put("ipc.nats.reconnect.wait", "50ms");
        config.put("ipc.nats.reconnect.max-wait", "200ms");
        config.put("ipc.nats.reconnect.jitter", "50ms");
        config.put("ipc.nats.reconnect.grace", "1s");
        config.putAll(overrides);
    }

    /** Starts a server with process id {@code process} ({@code p01}, ...). */
    public Node start(String process) {
        return start(process, resident -> { });
    }

    /** Starts a server; {@code beforeStart} registers what {@code Main} would (task types, ...) first. */
    public Node start(String process, Consumer<Resident> beforeStart) {
        return start(process, new PageTypes(), beforeStart);
    }

    /** Starts a server with page types of the test's own besides the bench pages. */
    public Node start(String process, PageTypes types) {
        return start(process, types, resident -> { });
    }

    /** Starts a server with page types of the test's own and config keys of its own (e.g. another {@code ipc.nats.url}). */
    public Node start(String process, PageTypes types, Map<String, String> own) {
        return start(process, types, own, resident -> { });
    }

    /** Starts a server with page types of the test's own; {@code beforeStart} registers task types and the like. */
    public Node start(String process, PageTypes types, Consumer<Resident> beforeStart) {
        return start(process, types, Map.of(), beforeStart);
    }

    private Node start(String process, PageTypes types, Map<String, String> own, Consumer<Resident> beforeStart) {
        Map<String, String> overrides = new HashMap<>(config);
        overrides.putAll(own);
        overrides.put("resident.process", process);
        Resident resident = TestServers.resident(overrides, types);
        beforeStart.accept(resident);
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(resident::setup).build().start();
        Node node = new Node(process, resident, server);
        nodes.add(node);
        return node;
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            node.server().stop();
            node.resident().close();
        }
    }

    /** One server of the site. */
    public record Node(String process, Resident resident, WebServer server) {

        public URI uri() {
            return URI.create("http://127.0.0.1:" + server.port());
        }

        /** A new browser session on this server. */
        public Browser browser() {
            return new Browser(uri());
        }

        /** The name its NATS connection shows in the server's monitoring. */
        public String natsName() {
            return "resident-" + process;
        }

        /** Whether {@code /observe/health/ready} answers UP. */
        public boolean ready() {
            return new Observe(uri()).readyStatus() == 200;
        }

        /** A counter of this process in {@code /observe/metrics}, e.g. {@code resident_bus_malformed_total}. */
        public double counter(String name) {
            return new Observe(uri()).metric(name, process);
        }

        /** Posts {@code body} to an admin endpoint ({@code /_/broadcast}, ...) and returns the status. */
        public int admin(String path, JsonNode body) {
            return browser().send(HttpRequest.newBuilder(uri().resolve(path))
                    .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))).status();
        }
    }
}
