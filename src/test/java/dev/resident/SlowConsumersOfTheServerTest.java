package dev.resident;

import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.Map;

/**
 * What all the sockets of the process hold queued together is bounded too, per-address limits or
 * not: the socket behind is cut once the process's queues pass {@code max-queued-bytes}.
 */
@ServerTest
@Timeout(120)
class SlowConsumersOfTheServerTest {
    private static Resident resident;
    private final URI uri;

    SlowConsumersOfTheServerTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.limits.per-address.enabled", "false",
                "resident.ws.queue-bytes", "16777216",
                "resident.limits.max-queued-bytes", "1048576",
                "resident.ws.close-timeout", "60s"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aSocketThatDoesNotReadIsCutForWhatAllTheServersSocketsHold() {
        SlowConsumersOfAnAddressTest.slowReaderIsCutForWhatAllQueuesHold(uri,
                "slow consumer: this server's sockets hold too much");
    }
}
