package dev.resident.bus.nats;

import dev.resident.support.NatsTestServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The NATS configurations shipped in {@code nats/} are valid ({@code nats-server -t}). */
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
}
