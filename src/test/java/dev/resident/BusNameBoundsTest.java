package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Table and user names become bus subjects (issue 9, finding 12): they are bounded (200 UTF-8
 * bytes) wherever they enter, before any subject is built or subscription made.
 */
@ServerTest
@Timeout(60)
class BusNameBoundsTest {
    private static final String LONG = "t".repeat(201);
    private static final String LONG_UTF8 = "é".repeat(101); // 101 chars, 202 bytes
    private static Resident resident;
    private final URI uri;

    BusNameBoundsTest(URI uri) {
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
    void adminEndpointsRefuseLongNamesWith400() {
        for (String name : new String[] {LONG, LONG_UTF8}) {
            assertError(admin("/_/dbevent", "{\"table\":\"" + name + "\",\"events\":[{\"action\":\"I\",\"pkey\":1}]}"),
                    400, "bad_request");
            assertError(admin("/_/notify", "{\"user\":\"" + name + "\",\"topic\":\"t\"}"), 400, "bad_request");
        }
        assertEquals(202, admin("/_/dbevent", "{\"table\":\"" + "t".repeat(200) + "\",\"events\":[{\"action\":\"I\",\"pkey\":1}]}")
                .status(), "200 bytes is allowed");
    }

    @Test
    void pageCodeGets422AndThePageKeepsNoSuchTable() {
        Browser browser = new Browser(uri);
        assertError(browser.post("/_/pages", "{\"path\":\"/_bench\",\"params\":{\"tables\":[\"" + LONG + "\"]}}"),
                422, "unprocessable");
        assertEquals(0, resident.registry().subscribers(LONG).size());
        String pageId = browser.benchPage("orders");
        assertError(browser.post("/_/rpc", "{\"page_id\":\"" + pageId + "\",\"method\":\"notify\",\"params\":{\"user\":\""
                + LONG_UTF8 + "\",\"topic\":\"t\"}}"), 422, "unprocessable");
        assertEquals(1, browser.rpc(pageId, "inc").json().get("result").asInt());
    }

    private Reply admin(String path, String body) {
        return new Browser(uri).send(HttpRequest.newBuilder(uri.resolve(path))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
