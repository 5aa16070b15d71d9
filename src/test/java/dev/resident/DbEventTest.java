package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** dbevents from {@code POST /_/dbevent} and from page code reach exactly the subscribed pages. */
class DbEventTest extends DefaultServerTest {
    DbEventTest(URI uri) {
        super(uri);
    }

    @Test
    void adminTokenIsRequired() {
        String body = "{\"table\":\"t\",\"events\":[{\"action\":\"I\",\"pkey\":1}]}";
        assertError(post(body, null), 401, "unauthorized");
        assertError(post(body, "Bearer wrong"), 401, "unauthorized");
        assertError(post(body, TestServers.ADMIN_TOKEN), 401, "unauthorized");
        Reply ok = post(body, "Bearer " + TestServers.ADMIN_TOKEN);
        assertEquals(202, ok.status(), ok.body());
    }

    @Test
    void malformedEventsAreRefused() {
        String token = "Bearer " + TestServers.ADMIN_TOKEN;
        assertError(post("{\"events\":[{\"action\":\"I\",\"pkey\":1}]}", token), 400, "bad_request");
        assertError(post("{\"table\":\"t\",\"events\":[]}", token), 400, "bad_request");
        assertError(post("{\"table\":\"t\",\"events\":[{\"action\":\"X\",\"pkey\":1}]}", token), 400, "bad_request");
        assertError(post("{\"table\":\"t\",\"events\":[{\"action\":\"I\"}]}", token), 400, "bad_request");
        assertError(post("{\"table\":\"t\",\"events\":[{\"action\":\"I\",\"pkey\":1}],\"origin\":5}", token),
                400, "bad_request");
        assertError(post("{\"table\":\"t\",\"events\":[1]}", token), 400, "bad_request");
    }

    @Test
    void deliveredToSubscribedPagesOnlyWithTheOrigin() {
        Browser browser = new Browser(uri);
        String origin = browser.benchPage("orders");
        Browser watcherBrowser = new Browser(uri);
        String watcher = watcherBrowser.benchPage("orders");
        Browser bystanderBrowser = new Browser(uri);
        String bystander = bystanderBrowser.benchPage("customers");
        String events = "[{\"action\":\"U\",\"pkey\":42,\"record\":{\"ts\":1700000000000,\"total\":3}}]";

        Reply published = browser.rpc(origin, "dbevent",
                Json.object().put("table", "orders").set("events", Json.parse(events)), null);
        assertEquals(200, published.status(), published.body());

        JsonNode messages = browser.rpc(origin, "echo", null, 0L).json().get("messages");
        assertEquals(1, messages.size(), messages.toString());
        JsonNode event = messages.get(0);
        assertEquals("dbevent", event.get("t").asText());
        assertEquals("orders", event.get("table").asText());
        assertEquals(origin, event.get("origin").asText(), "the origin page is told it made the change");
        assertEquals(Json.parse(events), event.get("events"));
        assertEquals(0, bystanderBrowser.rpc(bystander, "echo", null, 0L).json().get("messages").size());
        JsonNode watched = watcherBrowser.rpc(watcher, "echo", null, 0L).json().get("messages");
        assertEquals(1, watched.size(), "the other subscriber got it too: " + watched);
        assertFalse(watched.get(0).has("origin"), "without the id of another page: " + watched);
    }

    @Test
    void externalDbeventCarriesTheGivenOrigin() {
        Browser browser = new Browser(uri);
        String page = browser.benchPage("invoices");
        Reply reply = post("{\"table\":\"invoices\",\"events\":[{\"action\":\"D\",\"pkey\":\"A-1\"}],\"origin\":\"legacy\"}",
                "Bearer " + TestServers.ADMIN_TOKEN);
        assertEquals(202, reply.status());
        JsonNode event = browser.rpc(page, "echo", null, 0L).json().get("messages").get(0);
        assertEquals("legacy", event.get("origin").asText());
        assertEquals("D", event.get("events").get(0).get("action").asText());
    }

    @Test
    void trustedAppsCanNotifyAndBroadcast() {
        Browser bob = new Browser(uri);
        bob.login("bob", "bob");
        String bobPage = bob.benchPage();
        Browser guest = new Browser(uri);
        String guestPage = guest.benchPage();
        String token = "Bearer " + TestServers.ADMIN_TOKEN;
        assertError(post("/_/notify", "{\"user\":\"bob\",\"topic\":\"t\"}", null), 401, "unauthorized");
        assertError(post("/_/broadcast", "{\"payload\":1}", token), 400, "bad_request");
        assertEquals(202, post("/_/notify", "{\"user\":\"bob\",\"topic\":\"invoice\",\"payload\":{\"n\":1},"
                + "\"from\":\"legacy\"}", token).status());
        assertEquals(202, post("/_/broadcast", "{\"topic\":\"restart\",\"payload\":\"soon\"}", token).status());

        JsonNode bobMessages = bob.rpc(bobPage, "echo", null, 0L).json().get("messages");
        assertEquals("notify", bobMessages.get(0).get("t").asText());
        assertEquals("legacy", bobMessages.get(0).get("from").asText());
        assertEquals("broadcast", bobMessages.get(1).get("t").asText());
        JsonNode guestMessages = guest.rpc(guestPage, "echo", null, 0L).json().get("messages");
        assertEquals(1, guestMessages.size(), guestMessages.toString());
        assertEquals("soon", guestMessages.get(0).get("payload").asText());
    }

    private Reply post(String body, String authorization) {
        return post("/_/dbevent", body, authorization);
    }

    private Reply post(String path, String body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return new Browser(uri).send(request);
    }
}
