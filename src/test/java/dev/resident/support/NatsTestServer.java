package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code nats-server} of a test's own: free client and monitoring ports on 127.0.0.1, a
 * temporary directory, {@link #stop()} and {@link #restart()} on the same ports.
 */
public final class NatsTestServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private final int port = Machine.freePort();
    private final int monitorPort = Machine.freePort();
    private final Path dir;
    private final List<String> extraArgs;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;

    /** Starts a server; {@code extraArgs} are added to its command line (e.g. {@code --user u --pass p}). */
    public NatsTestServer(String... extraArgs) {
        this.extraArgs = List.of(extraArgs);
        try {
            this.dir = Files.createTempDirectory("nats-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
    }

    /** The client URL. */
    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** A monitoring endpoint's JSON, e.g. {@code /connz?subs=1} or {@code /varz}. */
    public JsonNode monitor(String pathAndQuery) {
        try {
            URI uri = URI.create("http://127.0.0.1:" + monitorPort + pathAndQuery);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            return Json.parse(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The subjects the client connection named {@code name} subscribes to now. */
    public List<String> subscriptions(String name) {
        List<String> subjects = new ArrayList<>();
        for (JsonNode connection : monitor("/connz?subs=1").path("connections")) {
            if (name.equals(connection.path("name").asText())) {
                connection.path("subscriptions_list").forEach(subject -> subjects.add(subject.asText()));
            }
        }
        return subjects;
    }

    /** Waits until the connection named {@code name} is (or is no longer) subscribed to {@code subject}. */
    public void awaitSubscription(String name, String subject, boolean subscribed) {
        String what = name + (subscribed ? " subscribed to " : " unsubscribed from ") + subject;
        Eventually.await(Duration.ofSeconds(15), what, () -> subscriptions(name).contains(subject) == subscribed);
    }

    /**
     * The revision of process {@code process}'s lease in the bucket {@code <prefix>_processes} of a
     * site on this server, read over a connection of the caller's own; 0 while there is none (no
     * lease, a lease deleted or run out, or no bucket yet).
     */
    public long leaseRevision(String prefix, String process) {
        try (Connection client = Nats.connect(url())) {
            KeyValueEntry lease = client.keyValue(prefix + "_processes").get(process);
            return lease == null ? 0 : lease.getRevision();
        } catch (IOException | JetStreamApiException e) {
            return 0; // the bucket is not bound yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether process {@code process}'s lease is in the site's bucket now ({@link #leaseRevision}). */
    public boolean leaseHeld(String prefix, String process) {
        return leaseRevision(prefix, process) > 0;
    }

    /** Stops the server (SIGTERM) and waits until it has exited. */
    public void stop() {
        Processes.stop(process);
    }

    /** SIGSTOP: the server stands still with its connections open, as one in a long pause (or a stalled VM) would. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + name + " exited " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the server again on the same ports. */
    public void restart() {
        start();
    }

    /** Starts the server again on the same ports with nothing stored: every stream and bucket gone. */
    public void restartEmpty() {
        Processes.deleteTree(dir.resolve("jetstream"));
        start();
    }

    /** The last {@code lines} lines of the server's log (JetStream's recovery says what it lost). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(dir.resolve("server.log"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "no server log: " + e;
        }
    }

    @Override
    public void close() {
        stop();
        Processes.deleteTree(dir);
    }

    private void start() {
        List<String> command = new ArrayList<>(List.of(binary(), "-a", "127.0.0.1", "-p", Integer.toString(port),
                "-m", Integer.toString(monitorPort), "-sd", dir.toString()));
        command.addAll(extraArgs);
        process = Processes.start(new ProcessBuilder(command), dir.resolve("server.log"), "Server is ready",
                START_TIMEOUT);
        // with JetStream, ready to serve once its streams are recovered from the directory
        Eventually.await(START_TIMEOUT, "nats-server healthy (JetStream recovered)", this::healthy);
    }

    private boolean healthy() {
        try {
            URI uri = URI.create("http://127.0.0.1:" + monitorPort + "/healthz");
            return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code nats-server} from the PATH or Debian's /usr/sbin ({@code deploy/prerequisites} installs it). */
    public static String binary() {
        return Machine.program("nats-server");
    }
}
