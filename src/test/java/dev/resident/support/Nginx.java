package dev.resident.support;

import dev.resident.support.NatsSite.Node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real {@code nginx} running the shipped {@code deploy/nginx.conf} in front of a test's Resident
 * processes. nginx reads no environment, so the test's ports replace the file's (8080 for the
 * site, 8081 for p01, 8082 for p02) in a copy, as a deployment would edit them.
 */
public final class Nginx implements AutoCloseable {
    private static final Path CONFIG = Path.of("deploy/nginx.conf");
    private final int port = Machine.freePort();
    private final Daemon daemon = new Daemon("nginx");

    /** Starts nginx in front of p01 and p02 of {@code nodes} and waits until it accepts connections. */
    public Nginx(Map<String, Node> nodes) {
        this(nodes.get("p01").server().port(), nodes.get("p02").server().port());
    }

    /** Starts nginx with p01 and p02 on these ports, whatever listens there. */
    public Nginx(int p01, int p02) {
        try {
            String config = Files.readString(CONFIG)
                    .replace("listen 8080;", "listen 127.0.0.1:" + port + ";")
                    .replace(":8081", ":" + p01)
                    .replace(":8082", ":" + p02);
            Path file = daemon.dir().resolve("nginx.conf");
            Files.writeString(file, config);
            daemon.start(List.of(Machine.program("nginx"), "-p", daemon.dir().toString(), "-c", file.toString(),
                    "-g", "daemon off; pid " + daemon.dir().resolve("nginx.pid") + ";"), Map.of());
            Eventually.await(Duration.ofSeconds(15), "nginx listening", () -> daemon.running() && accepts());
        } catch (IOException e) {
            daemon.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | AssertionError e) {
            daemon.close(); // nobody else holds it yet
            throw e;
        }
    }

    /** A new browser session on the site. */
    public Browser browser() {
        return new Browser(URI.create("http://127.0.0.1:" + port));
    }

    @Override
    public void close() {
        daemon.close();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
