package dev.resident;

import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.Map;

/**
 * Base of the test classes that run against a server with the packaged configuration: Helidon's
 * {@code @ServerTest} finds the inherited public {@code @SetUpServer} and gives each class its own server.
 */
@ServerTest
@Timeout(120)
abstract class DefaultServerTest {
    static Resident resident;
    final URI uri;

    DefaultServerTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of());
    }

    @AfterAll
    static void close() {
        resident.close();
    }
}
