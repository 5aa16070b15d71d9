package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.RawWebSocket;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.Arrays;
import java.util.Map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The WsConnection copy's decoder state around control frames and protocol violations. */
@ServerTest
@Timeout(60)
class FragmentedTextTest {
    private static Resident resident;
    private final URI uri;

    FragmentedTextTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of());
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aPingBetweenTheHalvesOfACutCharacterLeavesItWhole() {
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        byte[] message = echo(1, "a\u20acb");
        int at = indexOf(message, "\u20ac".getBytes(UTF_8));
        socket.sendFrame(RawWebSocket.TEXT, Arrays.copyOfRange(message, 0, at + 1), false);
        socket.sendFrame(RawWebSocket.PING, "p".getBytes(UTF_8), true);
        socket.sendFrame(RawWebSocket.CONTINUATION, Arrays.copyOfRange(message, at + 1, at + 2), false);
        socket.sendFrame(RawWebSocket.PONG, new byte[0], true);
        socket.sendFrame(RawWebSocket.CONTINUATION, Arrays.copyOfRange(message, at + 2, message.length), true);
        assertArrayEquals("p".getBytes(UTF_8), socket.pong());
        assertEquals("a\u20acb", socket.next("result").get("result").get("text").asText());
    }

    @Test
    void strayContinuationsAndANewTextMidMessageNeverCloseTheSocketUnexpectedly() {
        Browser browser = new Browser(uri);
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        // a continuation after a message in one frame (Helidon takes it as text), cutting a character
        socket.sendFrame(RawWebSocket.TEXT, echo(1, "x"), true);
        assertEquals("x", socket.next("result").get("result").get("text").asText());
        socket.sendFrame(RawWebSocket.CONTINUATION, new byte[] {(byte) 0xE2}, false);
        socket.sendFrame(RawWebSocket.CONTINUATION, new byte[] {(byte) 0x82, (byte) 0xAC}, true);
        assertEquals("bad_request", socket.next("error").get("code").asText());
        // a text frame in the middle of a message, the first leaving a character unfinished
        byte[] message = echo(2, "\u20ac");
        int at = indexOf(message, "\u20ac".getBytes(UTF_8));
        socket.sendFrame(RawWebSocket.TEXT, Arrays.copyOfRange(message, 0, at + 2), false);
        socket.sendFrame(RawWebSocket.TEXT, echo(3, "y"), true);
        assertEquals("bad_request", socket.next("error").get("code").asText());
        socket.sendFrame(RawWebSocket.TEXT, echo(4, "z"), true);
        JsonNode result = socket.next("result");
        assertEquals(4, result.get("id").asInt());
        assertEquals("z", result.get("result").get("text").asText());
    }

    private static byte[] echo(int id, String text) {
        return Json.write(Json.object().put("t", "rpc").put("id", id).put("method", "echo")
                .set("params", Json.object().put("text", text))).getBytes(UTF_8);
    }

    private static int indexOf(byte[] bytes, byte[] wanted) {
        for (int i = 0; i + wanted.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + wanted.length, wanted, 0, wanted.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
