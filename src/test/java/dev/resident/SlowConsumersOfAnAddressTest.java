package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
import dev.resident.support.SlowReaders;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the sockets of one address hold queued together is bounded: a socket that never reads is cut
 * (1013) once its address's queues pass {@code per-address.queued-bytes}, long before its own queue
 * reaches {@code ws.queue-bytes}, while a reading socket of the same address gets every event.
 */
@ServerTest
@Timeout(120)
class SlowConsumersOfAnAddressTest {
    private static Resident resident;
    private final URI uri;

    SlowConsumersOfAnAddressTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.limits.per-address.enabled", "true",
                "resident.ws.queue-bytes", "16777216", // each socket alone may hold 16 Mi chars...
                "resident.limits.per-address.queued-bytes", "1048576", // ...its address's together 1 Mi
                "resident.ws.close-timeout", "60s"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aSocketThatDoesNotReadIsCutForWhatItsAddressHoldsAndAReaderGoesOn() {
        slowReaderIsCutForWhatAllQueuesHold(uri, "slow consumer: this address's sockets hold too much");
    }

    /**
     * One socket that never reads and one that does, on one table; events of 60 K characters until
     * the first is cut. The reason of its close tells which bound cut it, and once it is gone the
     * queues hold nothing: every character counted in was counted out.
     */
    static void slowReaderIsCutForWhatAllQueuesHold(URI uri, String reason) {
        SlowReaders.Pair pair = SlowReaders.open(uri);
        Observe observe = new Observe(uri);
        SlowReaders.publishUntilOneIsCut(uri, pair.reader());

        pair.slow().startReading();
        assertEquals(1013, pair.slow().closeCode(Duration.ofSeconds(60)));
        assertEquals(reason, pair.slow().closeReason());
        Eventually.await(Duration.ofSeconds(10), "the queues hold nothing once the slow socket is gone",
                () -> observe.metric("resident_sockets_queued_chars") == 0);
        assertEquals(200, pair.slowBrowser().rpc(pair.slowPage(), "inc").status(), "the page stays resident");
    }
}
