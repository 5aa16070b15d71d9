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
     * UTF-8 in the target, raw (Helidon's parser replaces such bytes; the connection watch keeps the
     * originals) or percent-encoded, reaches the legacy app with the client's bytes: WSGI's
     * {@code PATH_INFO} is the same either way. The raw bytes cannot open a way around
     * {@code legacy.paths}, and a client's own copy of the internal header is dropped. (Raw bytes in
     * the query are refused by Helidon's parser: 400 before Resident sees them.)
     */
    @Test
    void utf8PathBytesReachTheLegacyAppRawOrEncoded() {
        String encoded = "/app/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%C3%A9";
        byte[] raw = concat("GET /app/caf".getBytes(StandardCharsets.US_ASCII),
                "é/日本".getBytes(StandardCharsets.UTF_8),
                "?q=%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        JsonNode rawEcho;
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send(raw).answer(QUICK);
            assertEquals(200, answer.status(), answer.toString());
            assertEquals("yes", answer.headers().get("x-legacy"));
            rawEcho = Json.parse(answer.body());
        }
        JsonNode encodedEcho = echo("GET " + encoded + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(encoded, encodedEcho.get("target").asText());
        assertEquals(encoded, rawEcho.get("target").asText(),
                "raw bytes go upstream percent-encoded (Helidon's client writes request lines as US-ASCII)");
        for (JsonNode echo : List.of(rawEcho, encodedEcho)) {
            assertEquals("/app/café/日本", new String(echo.get("path").asText().getBytes(StandardCharsets.ISO_8859_1),
                    StandardCharsets.UTF_8), "WSGI's PATH_INFO is the client's bytes as latin-1");
            assertFalse(echo.get("headers").has("x-resident-raw-target"), echo.toString());
        }

        byte[] dotted = concat("GET /app/".getBytes(StandardCharsets.US_ASCII), "é".getBytes(StandardCharsets.UTF_8),
                "/../private HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send(dotted).answer(QUICK);
            assertEquals(400, answer.status(), answer.toString());
            assertFalse(answer.headers().containsKey("x-legacy"));
        }
        byte[] outside = concat("GET /private/".getBytes(StandardCharsets.US_ASCII), "é".getBytes(StandardCharsets.UTF_8),
                " HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send(outside).answer(QUICK);
            assertEquals(404, answer.status(), answer.toString());
            assertFalse(answer.headers().containsKey("x-legacy"), "outside legacy.paths");
        }

        String forged = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("/private/secret".getBytes(StandardCharsets.US_ASCII));
        JsonNode spoofed = echo("GET /app/echo HTTP/1.1\r\nHost: x\r\nX-Resident-Raw-Target: " + forged + "\r\n\r\n");
        assertEquals("/app/echo", spoofed.get("target").asText(), "a client's own copy of the header is dropped");
        byte[] forgedRaw = concat("GET /app/".getBytes(StandardCharsets.US_ASCII), "é".getBytes(StandardCharsets.UTF_8),
                (" HTTP/1.1\r\nHost: x\r\nX-Resident-Raw-Target: " + forged + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        try (RawHttp client = new RawHttp(uri)) {
            Answer answer = client.send(forgedRaw).answer(QUICK);
            assertEquals(200, answer.status(), answer.toString());
            assertEquals("/app/%C3%A9", Json.parse(answer.body()).get("target").asText(), "the bytes read, not the header");
        }
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
