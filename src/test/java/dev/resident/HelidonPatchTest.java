package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PlainSocket;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.websocket.WsConnection;
import io.helidon.webserver.websocket.WsUpgrader;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Resident ships its own copies of Helidon classes: {@code PlainSocket} (an idle connection no
 * longer holds an 8 KB read buffer), {@code HeaderValueSingle} (a header's values published whole)
 * and {@code WsConnection} (a text message in several frames decoded across them; SocketTest,
 * LimitsTest and LegacySocketTest show what it changes). This checks that each copy is the class
 * the server loads, that the Helidon beside it is the version it was taken from, and that requests
 * and socket messages of every size around PlainSocket's 512-byte first read, and past its 8 KB
 * largest read, arrive whole.
 */
@ServerTest
@Timeout(60)
class HelidonPatchTest {
    private static final String PATCHED_FROM = "4.5.0";
    private static final int[] SIZES = {1, 400, 511, 512, 513, 1024, 8191, 8192, 8193, 20_000, 200_000};
    private static Resident resident;
    private final URI uri;

    HelidonPatchTest(URI uri) {
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
    void thePatchedPlainSocketIsTheOneLoadedBesideTheHelidonItWasTakenFrom() throws Exception {
        assertEquals(Resident.class.getProtectionDomain().getCodeSource().getLocation(),
                PlainSocket.class.getProtectionDomain().getCodeSource().getLocation(),
                "PlainSocket comes from Resident's classes, ahead of helidon-common-socket");
        Path helidonJar = Path.of(HelidonSocket.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile jar = new JarFile(helidonJar.toFile())) {
            assertEquals(PATCHED_FROM, jar.getManifest().getMainAttributes().getValue("Implementation-Version"),
                    "Helidon moved: diff its PlainSocket against src/main/java/io/helidon/common/socket/PlainSocket.java, "
                            + "carry the change over (or drop the copy) and update PATCHED_FROM");
        }
    }

    @Test
    void thePatchedHeaderValueSingleIsTheOneLoadedBesideTheHelidonItWasTakenFrom() throws Exception {
        Class<?> single = HeaderValues.create(HeaderNames.CONNECTION, "Upgrade").getClass();
        assertEquals("io.helidon.http.HeaderValueSingle", single.getName());
        assertEquals(Resident.class.getProtectionDomain().getCodeSource().getLocation(),
                single.getProtectionDomain().getCodeSource().getLocation(),
                "HeaderValueSingle comes from Resident's classes, ahead of helidon-http");
        Path helidonJar = Path.of(HeaderValues.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile jar = new JarFile(helidonJar.toFile())) {
            assertEquals(PATCHED_FROM, jar.getManifest().getMainAttributes().getValue("Implementation-Version"),
                    "Helidon moved: diff its HeaderValueSingle against src/main/java/io/helidon/http/HeaderValueSingle.java, "
                            + "carry the change over (or drop the copy) and update PATCHED_FROM");
        }
    }

    @Test
    void thePatchedWsConnectionIsTheOneLoadedBesideTheHelidonItWasTakenFrom() throws Exception {
        assertEquals(Resident.class.getProtectionDomain().getCodeSource().getLocation(),
                WsConnection.class.getProtectionDomain().getCodeSource().getLocation(),
                "WsConnection comes from Resident's classes, ahead of helidon-webserver-websocket");
        Path helidonJar = Path.of(WsUpgrader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (JarFile jar = new JarFile(helidonJar.toFile())) {
            assertEquals(PATCHED_FROM, jar.getManifest().getMainAttributes().getValue("Implementation-Version"),
                    "Helidon moved: diff its WsConnection against src/main/java/io/helidon/webserver/websocket/WsConnection.java, "
                            + "carry the change over (or drop the copy) and update PATCHED_FROM");
        }
    }

    /**
     * A header constant read by two threads for the first time at once (every upgrade checks its
     * Connection against one): each sees the one value, never a list being filled. Helidon's own
     * class published an empty list and filled it after: a ConcurrentModificationException or an
     * empty list within a few thousand headers here.
     */
    @Test
    void aHeaderReadByTwoThreadsAtOnceForTheFirstTimeHasItsValue() throws Exception {
        int rounds = 200;
        int perRound = 2_000;
        AtomicInteger wrong = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        for (int round = 0; round < rounds && wrong.get() == 0 && thrown.get() == null; round++) {
            Header[] headers = new Header[perRound];
            for (int i = 0; i < perRound; i++) {
                headers[i] = HeaderValues.create(HeaderNames.CONNECTION, "Upgrade");
            }
            CyclicBarrier start = new CyclicBarrier(2);
            Runnable reader = () -> {
                try {
                    start.await();
                    for (Header header : headers) {
                        int seen = 0;
                        for (String value : header.allValues()) {
                            seen += value.equals("Upgrade") ? 1 : 100;
                        }
                        if (seen != 1) {
                            wrong.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    thrown.compareAndSet(null, e);
                }
            };
            Thread first = Thread.ofPlatform().start(reader);
            Thread second = Thread.ofPlatform().start(reader);
            first.join();
            second.join();
        }
        assertNull(thrown.get(), () -> "a reader failed: " + thrown.get());
        assertEquals(0, wrong.get(), "headers read without their one value");
    }

    @Test
    void rpcBodiesOfEverySizeAroundTheReadsArriveWhole() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        for (int size : SIZES) {
            String text = "y".repeat(size);
            var reply = browser.rpc(pageId, "echo", Json.object().put("text", text), null);
            assertEquals(200, reply.status(), "size " + size);
            assertEquals(text, reply.json().get("result").get("text").asText(), "size " + size);
        }
    }

    @Test
    void socketMessagesOfEverySizeAroundTheReadsArriveWhole() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        for (int i = 0; i < SIZES.length; i++) {
            String text = "z".repeat(SIZES[i]);
            socket.send(Json.object().put("t", "rpc").put("id", i).put("method", "echo")
                    .set("params", Json.object().put("text", text)));
            JsonNode result = socket.next("result");
            assertEquals(i, result.get("id").asInt());
            assertEquals(text, result.get("result").get("text").asText(), "size " + SIZES[i]);
        }
        socket.close();
    }

    @Test
    void pipelinedRequestsInOneWriteAreEachAnswered() {
        String one = "GET /observe/health/live HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (RawHttp raw = new RawHttp(uri)) {
            raw.send(one.repeat(40)); // ~2 KB in one write: a 512-byte read and the rest
            for (int i = 0; i < 40; i++) {
                assertEquals(200, raw.answer().status(), "response " + i);
            }
        }
    }
}
