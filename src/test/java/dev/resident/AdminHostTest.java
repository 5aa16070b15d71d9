package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In front of a legacy app, the admin powers get a host of their own ({@code resident.admin.host}):
 * a script injected into a legacy page runs as the main origin, and there the admin view does not
 * exist; on the admin host the legacy app is never served. The server listens on every address:
 * {@code localhost} stands for the main host, {@code 127.0.0.1} for the admin host.
 */
@Timeout(60)
class AdminHostTest {
    /** An origin the main host takes requests from (where the legacy app's pages might live). */
    private static final String ALLOWED = "https://app.example";
    private static Resident resident;
    private static WebServer server;
    private static URI main;
    private static URI admin;

    @BeforeAll
    static void start() {
        resident = TestServers.resident(Map.of("resident.admin.host", "127.0.0.1",
                "resident.ws.allowed-origins", ALLOWED,
                "legacy.upstream", "http://127.0.0.1:9"), new PageTypes()); // nothing listens: 502 when forwarded
        server = WebServer.builder().port(0).update(resident::setup).build().start();
        main = URI.create("http://localhost:" + server.port());
        admin = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterAll
    static void stop() {
        server.stop();
        resident.close();
    }

    @Test
    void theAdminViewAnswersOnlyOnTheAdminHost() {
        Browser onMain = new Browser(main);
        assertEquals(200, onMain.login("alice", "alice").status());
        Reply hidden = onMain.get("/_/admin/state");
        assertEquals(404, hidden.status(), hidden.body());
        assertEquals("not_found", hidden.errorCode());
        assertEquals(404, onMain.get("/_/admin").status());

        Browser onAdmin = new Browser(admin);
        assertEquals(200, onAdmin.login("alice", "alice").status());
        assertEquals(200, onAdmin.get("/_/admin/state").status());
        assertEquals(200, onAdmin.get("/_/admin").status());
    }

    /** A script on an allowed origin cannot send the admin host requests with an admin's cookie. */
    @Test
    void theAdminHostTakesRequestsFromItselfOnly() {
        String login = "{\"user\":\"alice\",\"password\":\"alice\"}";
        assertEquals(200, fromOrigin(main, ALLOWED, login).status(), "the main host takes its allowed origin");
        Reply refused = fromOrigin(admin, ALLOWED, login);
        assertEquals(403, refused.status(), refused.body());
        assertEquals("forbidden", refused.errorCode());
        assertEquals(200, fromOrigin(admin, admin.toString(), login).status(), "its own origin");
    }

    private static Reply fromOrigin(URI server, String origin, String body) {
        return new Browser(server).send(HttpRequest.newBuilder(server.resolve("/_/login"))
                .header("Content-Type", "application/json")
                .header("Origin", origin)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void anAdminReachesOtherUsersJobsOnlyOnTheAdminHost() {
        Browser bob = new Browser(main);
        assertEquals(200, bob.login("bob", "bob").status());
        Reply submitted = bob.rpc(bob.benchPage(), "job", Json.object().put("steps", 1), null);
        assertEquals(200, submitted.status(), submitted.body());
        String job = "/_/jobs/" + submitted.json().path("result").path("job_id").asText();
        Browser onMain = new Browser(main);
        assertEquals(200, onMain.login("alice", "alice").status());
        assertEquals(404, onMain.get(job).status(), "on the main host she is a user like bob");
        Browser onAdmin = new Browser(admin);
        assertEquals(200, onAdmin.login("alice", "alice").status());
        assertEquals(200, onAdmin.get(job).status());
    }

    /**
     * What the admin view loads (its stylesheet, its module and the modules that imports) is
     * Resident's own, under {@code /_/}, and loads on the admin host. Before, it imported
     * {@code /el.js} and linked {@code /app.css}, paths the legacy app owns (by default it takes every
     * path that is not Resident's): on the admin host they answered 404 and the view stayed empty,
     * and without one whatever the legacy app served at {@code /el.js} ran in the admin view.
     */
    @Test
    void everythingTheAdminViewLoadsIsResidentsOwnAndLoadsOnTheAdminHost() {
        Browser onAdmin = new Browser(admin);
        assertEquals(200, onAdmin.login("alice", "alice").status());
        List<String> assets = new ArrayList<>(references(onAdmin.get("/_/admin").body(),
                "<(?:link|script)[^>]*(?:href|src)=\"(/[^\"]*)\""));
        for (int i = 0; i < assets.size(); i++) {
            String asset = assets.get(i);
            assertTrue(asset.startsWith("/_/"), "Resident's own: " + asset);
            Reply loaded = onAdmin.get(asset);
            assertEquals(200, loaded.status(), asset + " on the admin host");
            if (asset.endsWith(".js")) {
                references(loaded.body(), "from '(/[^']*)'").stream().filter(found -> !assets.contains(found))
                        .forEach(assets::add);
            }
        }
        assertTrue(assets.contains("/_/admin.js") && assets.contains("/_/el.js") && assets.contains("/_/app.css"),
                "the view's stylesheet and modules were found: " + assets);
    }

    private static List<String> references(String text, String pattern) {
        return java.util.regex.Pattern.compile(pattern).matcher(text).results().map(m -> m.group(1)).toList();
    }

    @Test
    void theLegacyAppIsNeverServedOnTheAdminHost() {
        Reply forwarded = new Browser(main).get("/app/orders");
        assertEquals(502, forwarded.status(), "forwarded to the legacy app, which is down: " + forwarded.body());
        Reply refused = new Browser(admin).get("/app/orders");
        assertEquals(404, refused.status(), refused.body());
        assertEquals("not_found", refused.errorCode());
    }
}
