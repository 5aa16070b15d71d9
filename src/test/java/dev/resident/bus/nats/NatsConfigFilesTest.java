package dev.resident.bus.nats;

import dev.resident.support.Eventually;
import dev.resident.support.Machine;
import dev.resident.support.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NATS configurations shipped in {@code nats/} are valid ({@code nats-server -t}), and {@code nats/start} keeps one server per store. */
@Timeout(30)
class NatsConfigFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"nats-server.conf", "cluster/node-1.conf", "cluster/node-2.conf", "cluster/node-3.conf"})
    void configurationIsValid(String file) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(NatsTestServer.binary(), "-t", "-c", file)
                .directory(new File("nats")).redirectErrorStream(true);
        builder.environment().put("NATS_PASSWORD", "any");
        Process check = builder.start();
        String output = new String(check.getInputStream().readAllBytes());
        assertEquals(0, check.waitFor(), output);
    }

    /**
     * Two servers writing one JetStream store corrupt it (nats-server 2.9 does not lock it: keys
     * were written and gone at once): {@code nats/start} refuses a second server on a store in use,
     * and starts one once the first has stopped.
     */
    @Test
    void aStoreServesOneServerAtATime(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        Process first = natsStart(store, dir.resolve("first.log"));
        try {
            awaitReady(dir.resolve("first.log"));
            Process second = natsStart(store, dir.resolve("second.log"));
            boolean ended = second.waitFor(20, TimeUnit.SECONDS);
            second.destroy();
            assertTrue(ended, "the second start ended: " + read(dir.resolve("second.log")));
            String refused = Files.readString(dir.resolve("second.log"));
            assertEquals(1, second.exitValue(), refused);
            assertTrue(refused.contains("another nats-server uses the store"), refused);
        } finally {
            first.destroy();
            first.waitFor(10, TimeUnit.SECONDS);
        }
        Process third = natsStart(store, dir.resolve("third.log"));
        try {
            awaitReady(dir.resolve("third.log"));
        } finally {
            third.destroy();
            third.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * NATS holds the site's sessions, and any process of the machine reaches its loopback port: the
     * shipped server takes only clients that log in, with the password {@code nats/start} made,
     * which only its owner may read.
     */
    @Test
    void theShippedServerTakesOnlyClientsThatLogIn(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("store");
        int port = Machine.freePort();
        Process server = natsStart(store, dir.resolve("server.log"), port);
        try {
            awaitReady(dir.resolve("server.log"));
            Path passwordFile = store.resolve("client-password");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile)));
            // a password of a digit and a size letter first ("6p0...") is read as a number: no server
            assertTrue(Character.isLetter(Files.readString(passwordFile).charAt(0)), "a letter first");
            String url = "nats://127.0.0.1:" + port;
            assertThrows(Exception.class, () -> Nats.connect(new Options.Builder().server(url)
                    .connectionTimeout(Duration.ofSeconds(2)).maxReconnects(0).build()).close(), "no login");
            try (Connection connection = Nats.connect(new Options.Builder().server(url)
                    .userInfo("resident".toCharArray(), Files.readString(passwordFile).trim().toCharArray())
                    .connectionTimeout(Duration.ofSeconds(2)).maxReconnects(0).build())) {
                assertEquals(Connection.Status.CONNECTED, connection.getStatus());
            }
            assertTrue(read(dir.resolve("server.log")).contains("NATS_PASSWORD_FILE=" + passwordFile.toRealPath()),
                    "nats/start says how clients log in: " + read(dir.resolve("server.log")));
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process natsStart(Path store, Path log) throws IOException {
        return natsStart(store, log, Machine.freePort());
    }

    private static Process natsStart(Path store, Path log, int port) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("nats/start", "--port", Integer.toString(port),
                "--monitor", Integer.toString(Machine.freePort()), "--store", store.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("NATS_PASSWORD");
        return builder.start();
    }

    private static void awaitReady(Path log) {
        Eventually.await(Duration.ofSeconds(20), "nats-server ready", () -> read(log),
                () -> read(log).contains("Server is ready"));
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
