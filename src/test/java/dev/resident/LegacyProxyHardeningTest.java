package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.GunicornProcess;
import dev.resident.support.RawHttp;
import dev.resident.support.RawHttp.Answer;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The legacy bridge against hostile clients (issue 9, findings 8 and 9): spoofed forwarding
 * headers, header names with {@code _}, the client's framing headers, encoded dot-segments and
 * slashes that would leave {@code legacy.paths}, and non-ASCII path bytes. The legacy app is a
 * real gunicorn that echoes what it received.
 */
@ServerTest
@Timeout(60)
class LegacyProxyHardeningTest {
    private static final Duration QUICK = Duration.ofSeconds(10);
    private static GunicornProcess legacy;
    private static Resident resident;
    private final URI uri;

    LegacyProxyHardeningTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        legacy = new GunicornProcess(Map.of());
        resident = TestServers.setup(server, Map.of(
                "legacy.upstream", legacy.url(),
                "legacy.paths", "/app, /public",
                "legacy.timeout", "5s"));
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    @Test
    void underscoreHeadersAndSpoofedForwardingHeadersStayBehind() {
        JsonNode echo = echo("GET /app/echo HTTP/1.1\r\nHost: site.example\r\n"
                + "X_Forwarded_Host: evil.example\r\nX_Forwarded_For: 6.6.6.6\r\nX_Custom: underscore\r\n"
                + "X-Real-IP: 6.6.6.6\r\nForwarded: for=6.6.6.6;host=evil.example;proto=https\r\n"
                + "X-Custom: dash\r\n\r\n");
        JsonNode headers = echo.get("headers");
        assertEquals("dash", headers.get("x-custom").asText(), "WSGI merges X_Custom into X-Custom: only ours is left");
        assertEquals("site.example", headers.get("x-forwarded-host").asText());
        assertEquals("127.0.0.1", headers.get("x-forwarded-for").asText());
        assertEquals("127.0.0.1", headers.get("x-real-ip").asText(), "set by Resident");
        assertFalse(headers.toString().contains("6.6.6.6"), headers.toString());
        assertFalse(headers.toString().contains("evil.example"), headers.toString());
        assertFalse(headers.has("forwarded"), headers.toString());
    }

    @Test
    void theClientsFramingIsNeverForwarded() {
        JsonNode chunked = echo("POST /app/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n");
        assertEquals("hello", chunked.get("body").asText());
        assertFalse(chunked.get("headers").has("transfer-encoding") && chunked.get("headers").has("content-length"),
                chunked.toString());

        JsonNode sized = echo("POST /app/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals("hello", sized.get("body").asText());
        assertEquals("5", sized.get("headers").get("content-length").asText(), "Resident's own, from the body it read");

        try (RawHttp client = new RawHttp(uri)) {
            client.send("POST /app/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\nGET /app/smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
            Answer answer = client.answer(QUICK);
            assertEquals(400, answer.status(), answer.toString());
            assertFalse(answer.headers().containsKey("x-legacy"), "never reached the legacy app");
            assertEquals("bad_request", Json.parse(answer.body()).get("error").get("code").asText());
            assertTrue(client.closedWithoutMore(QUICK), "the smuggled request is never answered");
        }
    }

    @Test
    void encodedDotSegmentsAndSlashesAre400() {
        for (String path : List.of("/app/%2e%2e/private", "/app/%2E%2E%2Fprivate", "/app/.%2e/private",
                "/app%2F..%2Fprivate", "/app/..%2Fprivate", "/public/%2fetc", "/app/%5c..%5cprivate",
                "/app/../private", "/app/./echo", "/app/x%00")) {
            try (RawHttp client = new RawHttp(uri)) {
                Answer answer = client.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").answer(QUICK);
                assertEquals(400, answer.status(), path + " " + answer);
                assertFalse(answer.headers().containsKey("x-legacy"), path);
                assertEquals("bad_request", Json.parse(answer.body()).get("error").get("code").asText(), path);
            }
        }
    }

    @Test
    void pathsOutsideThePrefixesAreNotForwarded() {
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send("GET /private/x HTTP/1.1\r\nHost: x\r\n\r\n").answer(QUICK);
            assertEquals(404, answer.status());
            assertFalse(answer.headers().containsKey("x-legacy"));
        }
        JsonNode plain = echo("GET /app/a%20b/c%7Cd?x=%2F HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("/app/a%20b/c%7Cd?x=%2F", plain.get("target").asText(), "ordinary encodings pass as written");
    }

    /**
     * Helidon 4.5 reads the request line as US-ASCII: a raw non-ASCII byte is U+FFFD before
     * Resident sees it, so it cannot be forwarded as sent. Such a target is refused (browsers
     * always percent-encode), and its percent-encoded form passes byte for byte.
     */
    @Test
    void nonAsciiPathBytesAreRefusedAndTheirEncodingPasses() {
        byte[] request = concat("GET /app/caf".getBytes(StandardCharsets.US_ASCII),
                "é/日本".getBytes(StandardCharsets.UTF_8),
                " HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send(request).answer(QUICK);
            assertEquals(400, answer.status(), answer.toString());
            assertFalse(answer.headers().containsKey("x-legacy"));
            assertEquals("bad_request", Json.parse(answer.body()).get("error").get("code").asText());
        }
        JsonNode echo = echo("GET /app/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("/app/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%A9", echo.get("target").asText());
        assertEquals("/app/café/日本", new String(echo.get("path").asText().getBytes(StandardCharsets.ISO_8859_1),
                StandardCharsets.UTF_8), "WSGI's PATH_INFO is the bytes as latin-1");
    }

    private JsonNode echo(String request) {
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send(request).answer(QUICK);
            assertEquals(200, answer.status(), answer.toString());
            assertEquals("yes", answer.headers().get("x-legacy"));
            return Json.parse(answer.body());
        }
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
