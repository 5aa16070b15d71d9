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
 * Base of the test classes that run against a server with the demo application (its page types,
 * its users alice, bob and carol): as {@link DefaultServerTest}, each class gets its own server.
 */
@ServerTest
@Timeout(120)
abstract class DemoServerTest {
    static Resident resident;
    final URI uri;

    DemoServerTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        resident = TestServers.demo(server, Map.of());
    }

    @AfterAll
    static void close() {
        resident.close();
    }
}
