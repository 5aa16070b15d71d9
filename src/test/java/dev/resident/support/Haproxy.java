package dev.resident.support;

import dev.resident.support.NatsSite.Node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A real {@code haproxy} running the shipped {@code deploy/haproxy.cfg} in front of a test's
 * Resident processes (for other than two processes, the configuration {@code
 * deploy/haproxy-config} generates for them): its own port on 127.0.0.1, its runtime API socket in
 * a temporary directory, and health checks every 100 ms so that state changes show at once.
 */
public final class Haproxy implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String BACKEND = "resident";
    private final int port = Machine.freePort();
    private final Daemon daemon = new Daemon("haproxy");
    private final Path socket = daemon.dir().resolve("admin.sock");
    private final List<Backend> backends;
    private final Duration checkInterval;
    /** More of HAProxy's environment, read by the configuration ({@code AFFINITY_KEY}, say). */
    private final Map<String, String> environment;

    /** A server of the backend: the process id that names it, and its port on 127.0.0.1. */
    public record Backend(String process, int port) {
    }

    /** Starts HAProxy in front of {@code nodes} (its servers are named by their process ids) and waits until they are UP. */
    public Haproxy(List<Node> nodes) {
        this(nodes, Duration.ofMillis(100));
    }

    /**
     * The same with health checks every {@code checkInterval}, which is also how long a check may
     * take: on a busy machine a short one can mark a healthy process DOWN for a moment.
     */
    public Haproxy(List<Node> nodes, Duration checkInterval) {
        this(nodes, checkInterval, Map.of());
    }

    /** The same with more of HAProxy's environment ({@code AFFINITY_KEY}, say). */
    public Haproxy(List<Node> nodes, Duration checkInterval, Map<String, String> environment) {
        this(checkInterval, nodes.stream().map(node -> new Backend(node.process(), node.server().port())).toList(),
                environment);
    }

    /** In front of servers of any kind, with health checks every {@code checkInterval}. */
    public Haproxy(Duration checkInterval, List<Backend> backends) {
        this(checkInterval, backends, Map.of());
    }

    private Haproxy(Duration checkInterval, List<Backend> backends, Map<String, String> environment) {
        this.backends = List.copyOf(backends);
        this.checkInterval = checkInterval;
        this.environment = Map.copyOf(environment);
        try {
            start();
        } catch (RuntimeException | AssertionError e) {
            daemon.close(); // nobody else holds it yet
            throw e;
        }
    }

    /** The site's address, as browsers see it. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** A new browser session on the site. */
    public Browser browser() {
        return new Browser(uri());
    }

    /** What HAProxy makes of a process now: {@code UP}, {@code DOWN}, or a transition such as {@code UP 1/2}. */
    public String status(String process) {
        List<String> lines = command("show stat").lines().toList();
        List<String> columns = Arrays.asList(lines.get(0).substring(2).split(","));
        int name = columns.indexOf("svname");
        int status = columns.indexOf("status");
        return lines.stream().skip(1).map(line -> line.split(","))
                .filter(row -> row.length > status && row[0].equals(BACKEND) && row[name].equals(process))
                .map(row -> row[status]).findFirst()
                .orElseThrow(() -> new AssertionError("no server " + process + " in " + lines));
    }

    /** Waits until HAProxy shows {@code process} as {@code status}. */
    public void awaitStatus(String process, String status) {
        Eventually.await(WAIT, "HAProxy sees " + process + " " + status, () -> status(process).equals(status));
    }

    /** What HAProxy logged so far: a line per request (the shipped configuration logs to standard output). */
    public String log() {
        return daemon.output();
    }

    /** Stops HAProxy and starts it again on the same port: what it learnt, its stick table, is gone. */
    public void restart() {
        stop();
        start();
    }

    /** A runtime API command's answer ({@code show table resident}, ...). */
    public String command(String command) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("HAProxy runtime API: " + daemon.output(), e);
        }
    }

    @Override
    public void close() {
        daemon.close();
    }

    private void start() {
        Map<String, String> env = new HashMap<>(environment);
        env.put("RESIDENT_BIND", "127.0.0.1:" + port);
        env.put("HAPROXY_SOCKET", socket.toString());
        env.put("HAPROXY_CHECK_INTER", checkInterval.toMillis() + "ms");
        for (Backend backend : backends) {
            env.put("RESIDENT_" + backend.process().toUpperCase(Locale.ROOT), "127.0.0.1:" + backend.port());
        }
        daemon.start(List.of(Machine.program("haproxy"), "-db", "-f", config()), env);
        // the socket's file may be there before HAProxy listens on it (or left by the run before a restart)
        Eventually.await(WAIT, "HAProxy's runtime API at " + socket, () -> daemon.running() && apiAnswers());
        backends.forEach(backend -> awaitStatus(backend.process(), "UP"));
    }

    private boolean apiAnswers() {
        if (!Files.exists(socket)) {
            return false;
        }
        try {
            command("show info");
            return true;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    /** The shipped file for two processes, else one generated for as many as the test runs. */
    private String config() {
        if (backends.size() == 2) {
            return "deploy/haproxy.cfg";
        }
        Path generated = daemon.dir().resolve("haproxy.cfg");
        try {
            Process generator = new ProcessBuilder("deploy/haproxy-config", Integer.toString(backends.size()))
                    .redirectOutput(generated.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (generator.waitFor() != 0) {
                throw new IllegalStateException("deploy/haproxy-config failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return generated.toString();
    }

    private void stop() {
        daemon.stop();
        try {
            Files.deleteIfExists(socket); // a hard stop leaves it; the next start must not be taken as ready
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
