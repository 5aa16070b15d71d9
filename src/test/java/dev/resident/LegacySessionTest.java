package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.GunicornProcess;
import dev.resident.support.Machine;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One login for Resident and the legacy app ({@code resident.auth.mode: legacy-session}) against
 * the real gunicorn app, whose {@code /app/whoami} is the introspection endpoint: the legacy
 * session's user is the Resident connection's user, on HTTP and on the page socket, with its roles;
 * a logout in the legacy app ends the Resident login within the cache time.
 */
@ServerTest
@Timeout(60)
class LegacySessionTest {
    private static final Duration CACHE_TTL = Duration.ofSeconds(1);
    private static GunicornProcess legacy;
    private static Resident resident;
    private final URI uri;

    LegacySessionTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        legacy = new GunicornProcess(Map.of("RESIDENT_ADMIN_TOKEN", TestServers.ADMIN_TOKEN));
        resident = TestServers.setup(server, config(Map.of("legacy.session.cache-ttl", CACHE_TTL.toMillis() + "ms")));
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    @Test
    void theLegacySessionsUserIsTheResidentUserOnHttpAndSocket() {
        Browser browser = new Browser(uri);
        assertEquals("dave", browser.get("/app/login?user=dave&roles=clerk").json().get("user").asText());
        JsonNode opened = browser.openPage("/_bench", null);
        assertEquals("dave", opened.get("user").asText(), "no second login");
        String pageId = opened.get("page_id").asText();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");

        Reply notified = admin(browser, "/_/notify", Json.object().put("user", "dave").put("topic", "order"));
        assertEquals(202, notified.status(), notified.body());
        assertEquals("order", socket.next("notify").get("topic").asText(), "dave's notifications reach his page");
        socket.close();

        browser.get("/app/logout");
        assertTrue(user(browser, pageId).startsWith("guest_"), "the legacy cookie is gone: a guest at once");
    }

    @Test
    void jobsOverHttpFollowTheLegacySessionToo() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=fay");
        String pageId = browser.openPage("/_bench", null).get("page_id").asText();
        Reply submitted = browser.rpc(pageId, "job", Json.object().put("steps", 1), null);
        assertEquals(200, submitted.status(), submitted.body());
        String jobId = submitted.json().path("result").path("job_id").asText();
        assertEquals(200, browser.get("/_/jobs/" + jobId).status(), "fay's job, to fay");
        browser.get("/app/logout");
        assertEquals(404, browser.get("/_/jobs/" + jobId).status(), "after the legacy logout a guest's: not fay's job");
    }

    /**
     * After a logout in the legacy app, the page (kept: the legacy session is followed, not ended)
     * gets nothing more of the job its user started: whoever holds the browser now does not see its
     * progress or its result.
     */
    @Test
    void aJobsMessagesStopAtItsPageOnceTheLegacySessionIsSomeoneElses() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=hal");
        String pageId = browser.openPage("/_bench", null).get("page_id").asText();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        Reply submitted = browser.rpc(pageId, "job", Json.object().put("steps", 40).put("step_ms", 25), null);
        assertEquals(200, submitted.status(), submitted.body());
        String jobId = submitted.json().path("result").path("job_id").asText();
        socket.next(m -> "job".equals(m.path("t").asText()) && "running".equals(m.path("state").asText()));

        browser.get("/app/logout");
        assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"), "a guest's now");
        assertEquals(1012, socket.closeCode(Duration.ofSeconds(10)), "the session changed hands");
        SocketClient next = browser.socket(pageId);
        next.next("hello");
        Browser hal = new Browser(uri);
        hal.get("/app/login?user=hal");
        hal.benchPage();
        Eventually.await(Duration.ofSeconds(20), "hal's job done",
                () -> hal.get("/_/jobs/" + jobId).json().path("state").asText().equals("done"));
        next.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
        List<JsonNode> seen = new ArrayList<>();
        for (JsonNode m = next.next(); !"result".equals(m.path("t").asText()); m = next.next()) {
            seen.add(m);
        }
        assertTrue(seen.stream().noneMatch(m -> jobId.equals(m.path("job_id").asText())),
                "nothing of hal's job after his logout: " + seen);
    }

    @Test
    void aLogoutInTheLegacyAppEndsTheResidentLoginWithinTheCacheTime() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=erin");
        String pageId = browser.openPage("/_bench", null).get("page_id").asText();
        assertEquals("erin", user(browser, pageId));
        // the session ends in the legacy app while the browser keeps its cookie (another tab logged out)
        assertEquals(1, new Browser(uri).post("/app/end-sessions?user=erin", "{}").json().get("ended").asInt());
        long ended = System.nanoTime();
        Eventually.await(CACHE_TTL.plusSeconds(5), "erin is a guest", () -> user(browser, pageId).startsWith("guest_"));
        assertTrue(System.nanoTime() - ended < CACHE_TTL.plusSeconds(5).toNanos());
    }

    @Test
    void theLegacyAppsRolesComeAlong() {
        Browser clerk = new Browser(uri);
        clerk.get("/app/login?user=frank&roles=clerk");
        clerk.benchPage(); // the first Resident request of this browser: its connection
        assertError(clerk.get("/_/admin/state"), 403, "forbidden");
        Browser admin = new Browser(uri);
        admin.get("/app/login?user=grace&roles=admin,clerk");
        admin.benchPage();
        assertEquals(200, admin.get("/_/admin/state").status(), "the legacy app's admin role is Resident's admin role");
    }

    @Test
    void withoutALegacySessionARequestIsAGuestsAndResidentsOwnLoginIsRefused() {
        Browser browser = new Browser(uri);
        assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"));
        assertError(browser.login("alice", "alice"), 403, "forbidden");
        assertError(browser.post("/_/logout", "{}"), 403, "forbidden");
    }

    @Test
    void answersAreKeptForTheCacheTime() {
        onAnotherServer(Map.of("legacy.session.cache-ttl", "1h"), browser -> {
            browser.get("/app/login?user=heidi");
            int before = whoamiCalls(browser);
            String pageId = browser.openPage("/_bench", null).get("page_id").asText();
            for (int i = 0; i < 5; i++) {
                assertEquals("heidi", user(browser, pageId));
            }
            assertEquals(before + 1, whoamiCalls(browser), "one question to the legacy app for six requests");
        });
    }

    @Test
    void aLegacyAppThatCannotBeAskedMakesGuests() {
        onAnotherServer(Map.of("legacy.session.introspect", "http://127.0.0.1:" + Machine.freePort() + "/whoami"), browser -> {
            browser.get("/app/login?user=ivan");
            assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"));
        });
    }

    @Test
    void aSessionConfigWithoutCookieOrIntrospectionStopsStartup() {
        for (String key : new String[] {"legacy.session.cookie", "legacy.session.introspect"}) {
            Map<String, String> config = new HashMap<>(config(Map.of()));
            config.put(key, "");
            assertThrows(IllegalArgumentException.class, () -> TestServers.resident(config, new PageTypes()), key);
        }
        Map<String, String> unknownMode = new HashMap<>(config(Map.of()));
        unknownMode.put("resident.auth.mode", "ldap");
        assertThrows(IllegalArgumentException.class, () -> TestServers.resident(unknownMode, new PageTypes()));
    }

    private static Map<String, String> config(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(Map.of(
                "legacy.upstream", legacy.url(),
                "resident.auth.mode", "legacy-session",
                "legacy.session.cookie", "legacy_sid",
                "legacy.session.introspect", "/app/whoami"));
        config.putAll(overrides);
        return config;
    }

    /** The user of the page, as the request's connection now is. */
    private static String user(Browser browser, String pageId) {
        Reply snapshot = browser.get("/_/page?page_id=" + pageId);
        assertEquals(200, snapshot.status(), snapshot.body());
        return snapshot.json().get("user").asText();
    }

    private static int whoamiCalls(Browser browser) {
        return browser.get("/app/whoami-calls").json().get("calls").asInt();
    }

    private static Reply admin(Browser browser, String path, JsonNode body) {
        return browser.send(HttpRequest.newBuilder(browser.base().resolve(path))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    private static void onAnotherServer(Map<String, String> overrides, Consumer<Browser> test) {
        Resident other = TestServers.resident(config(overrides), new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(other::setup).build().start();
        try {
            test.accept(new Browser(URI.create("http://127.0.0.1:" + server.port())));
        } finally {
            server.stop();
            other.close();
        }
    }
}
