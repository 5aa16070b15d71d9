package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.MainProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A forwarded client address is read as an IP literal, never looked up: a name in
 * {@code X-Forwarded-For} (here {@code beef}, all hex letters) would make each request wait on a
 * lookup of its sender's choice. The real {@code Main} runs in a child JVM whose resolver reads a
 * hosts file ({@code jdk.net.hosts.file}) that names {@code beef} 198.51.100.77: had the name been
 * looked up, it would count as that address, which has used up its pages.
 */
@Timeout(60)
class ForwardedNamesTest {
    private static final String ADDRESS = "198.51.100.77";

    @Test
    void aForwardedNameIsNeverLookedUp(@TempDir Path dir) throws IOException {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n" + ADDRESS + " beef dead.beef\n");
        String yaml = """
                resident:
                  limits:
                    per-address:
                      new-pages-per-minute: 2
                """;
        try (MainProcess main = MainProcess.start(Map.of("BENCH_PAGES", "true", "TRUSTED_PROXIES", "127.0.0.1",
                "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts), yaml, dir)) {
            Browser browser = new Browser(main.uri());
            assertEquals(201, open(main.uri(), browser, ADDRESS).status());
            assertEquals(201, open(main.uri(), browser, ADDRESS).status());
            assertError(open(main.uri(), browser, ADDRESS), 429, "rate_limited");
            for (String name : new String[] {"beef", "dead.beef"}) {
                assertEquals(201, open(main.uri(), browser, name).status(),
                        name + " counts as the proxy's own address, not as the one a lookup would give");
            }
        }
    }

    private static Reply open(URI server, Browser browser, String forwardedFor) {
        return browser.send(HttpRequest.newBuilder(server.resolve("/_/pages"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor)
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/_bench\"}")));
    }
}
