package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.Observe;
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
 * Every call marks its page for the state writer, but a snapshot that the store holds already as
 * it is (after a read-only call) is not written again; a changed one is.
 */
@ServerTest
@Timeout(60)
class UnchangedSnapshotsTest {
    private static final String UNCHANGED = "resident_state_snapshots_unchanged_total";
    private static Resident resident;
    private final URI uri;

    UnchangedSnapshotsTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, TestServers.embeddedStore("unchanged-snapshots", Map.of()));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aSnapshotTheStoreHoldsAlreadyIsNotWrittenAgain() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        Observe observe = new Observe(uri);
        assertEquals(1, browser.rpc(pageId, "inc").json().get("result").asInt());
        awaitWritten(observe);
        double before = observe.metric(UNCHANGED);

        assertEquals(200, browser.rpc(pageId, "echo").status());
        awaitWritten(observe);
        assertEquals(before + 1, observe.metric(UNCHANGED), "the read-only call's snapshot was not written again");

        assertEquals(2, browser.rpc(pageId, "inc").json().get("result").asInt());
        awaitWritten(observe);
        assertEquals(before + 1, observe.metric(UNCHANGED), "a changed one is written");

        assertEquals(200, browser.rpc(pageId, "echo").status());
        awaitWritten(observe);
        assertEquals(before + 2, observe.metric(UNCHANGED));
    }

    /** Waits until the writer has taken every page marked (nothing pending). */
    private static void awaitWritten(Observe observe) {
        Eventually.await(Duration.ofSeconds(10), "nothing pending", () -> observe.metric("resident_state_pending") == 0);
    }
}
