package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.RawHttp;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log (off by default) writes one line per request, never a cookie, a token or a query. */
@ServerTest
@Timeout(60)
class AccessLogTest {
    private static final Path FILE = Path.of("target", "access-" + UUID.randomUUID() + ".log").toAbsolutePath();
    private static Resident resident;
    private final URI uri;

    AccessLogTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.access-log.enabled", "true",
                "resident.access-log.file", FILE.toString()));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void offByDefault() {
        assertFalse(ResidentConfig.withOverrides(Map.of()).get("resident.access-log.enabled").asBoolean().get());
        assertEquals(Map.of("ACCESS_LOG", "resident.access-log.enabled", "ACCESS_LOG_FILE", "resident.access-log.file"),
                Map.of("ACCESS_LOG", ResidentConfig.ENV_ALIASES.get("ACCESS_LOG"),
                        "ACCESS_LOG_FILE", ResidentConfig.ENV_ALIASES.get("ACCESS_LOG_FILE")));
    }

    @Test
    void linesCarryNoCookieTokenOrQuery() {
        Browser browser = new Browser(uri);
        browser.benchPage();
        String cookie = browser.connectionId();
        browser.send(HttpRequest.newBuilder(uri.resolve("/_/resident.js?token=query-secret-1&page_id=x"))
                .header("Authorization", "Bearer header-secret-2")
                .header("X-Api-Key", "header-secret-3")
                .GET());
        assertEquals(401, browser.send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer admin-guess-4")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))).status());
        try (RawHttp raw = new RawHttp(uri)) {
            raw.send("GET /_/nowhere?secret=query-secret-5 HTTP/1.1\r\nHost: x\r\nCookie: rsd_cid=" + cookie
                    + "; other=cookie-secret-6\r\nUser-Agent: agent-secret-7\r\n\r\n");
            assertEquals(404, raw.answer().status());
        }
        // a line is written when its exchange ends: the three come over two connections, in any order
        Eventually.await(Duration.ofSeconds(5), "the three requests logged", () -> lines().toString(),
                () -> logged("\"GET /_/resident.js HTTP/1.1\" 200") && logged("\"POST /_/dbevent HTTP/1.1\" 401")
                        && logged("\"GET /_/nowhere HTTP/1.1\" 404"));
        List<String> lines = lines();
        assertTrue(lines.stream().allMatch(l -> l.startsWith("127.0.0.1 ")), lines.toString());
        String all = String.join("\n", lines);
        for (String secret : List.of(cookie, "secret", "admin-guess", "Bearer", "rsd_cid", "token=", "?")) {
            assertFalse(all.contains(secret), secret + " in " + all);
        }
    }

    private static boolean logged(String request) {
        return lines().stream().anyMatch(line -> line.contains(request));
    }

    /** The newest file of the rotation: JUL's FileHandler appends the generation {@code .0}. */
    private static List<String> lines() {
        Path newest = Path.of(FILE + ".0");
        try {
            return Files.exists(newest) ? Files.readAllLines(newest) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
