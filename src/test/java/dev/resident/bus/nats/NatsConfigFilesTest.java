package dev.resident.bus.nats;

import dev.resident.support.Eventually;
import dev.resident.support.Machine;
import dev.resident.support.NatsTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NATS configurations shipped in {@code nats/} are valid ({@code nats-server -t}), and {@code nats/start} keeps one server per store. */
@Timeout(30)
class NatsConfigFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"nats-server.conf", "cluster/node-1.conf", "cluster/node-2.conf", "cluster/node-3.conf"})
    void configurationIsValid(String file) throws Exception {
        Process check = new ProcessBuilder(NatsTestServer.binary(), "-t", "-c", file)
                .directory(new File("nats")).redirectErrorStream(true).start();
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

    private static Process natsStart(Path store, Path log) throws IOException {
        return new ProcessBuilder("nats/start", "--port", Integer.toString(Machine.freePort()),
                "--monitor", Integer.toString(Machine.freePort()), "--store", store.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
