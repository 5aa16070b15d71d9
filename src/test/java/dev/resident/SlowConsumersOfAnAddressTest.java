package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.DbEvents;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
     * Sockets that never read, each sent large messages: what one holds while its write waits for
     * the client counts too, and a lone large message is checked as well, so what the address's
     * sockets hold stays within its share; those past it are cut (1013) and their pages stay. A
     * reader on another address gets every message.
     */
    @Test
    void largeMessagesWaitingForSocketsThatDoNotReadStayWithinTheAddresssShare() throws Exception {
        Observe observe = new Observe(uri);
        List<SocketClient> slow = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Browser browser = new Browser(uri);
            slow.add(SocketClient.open(browser, browser.benchPage(SlowReaders.TABLE), Map.of(), null, false));
        }
        Browser elsewhere = new Browser(uri, java.net.InetAddress.getByName("127.0.0.2"));
        SocketClient reader = elsewhere.socket(elsewhere.benchPage(SlowReaders.TABLE));
        reader.next("hello");
        String record = "y".repeat(600_000);
        long most = 0;
        for (int pkey = 1; pkey <= 12; pkey++) {
            assertEquals(202, DbEvents.insert(uri, SlowReaders.TABLE, pkey, record).status());
            int published = pkey;
            reader.next(frame -> "dbevent".equals(frame.path("t").asText())
                    && frame.get("events").get(0).get("pkey").asInt() == published);
            most = Math.max(most, (long) observe.metric("resident_sockets_queued_chars"));
        }
        // the address's share (1 Mi), and the message of the reader, which takes it as it comes
        assertTrue(most <= (1 << 20) + 700_000, "the sockets held " + most + " characters");
        for (SocketClient socket : slow) {
            socket.startReading();
            assertEquals(1013, socket.closeCode(Duration.ofSeconds(60)));
            assertEquals("slow consumer: this address's sockets hold too much", socket.closeReason());
        }
        reader.close();
        Eventually.await(Duration.ofSeconds(10), "the queues hold nothing once the slow sockets are gone",
                () -> observe.metric("resident_sockets_queued_chars") == 0);
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
