package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.SocketClient;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cookie tossing: a page of a sibling host ({@code evil.example.com}) can set an {@code rsd_cid}
 * cookie for the whole domain, which the browser then sends to Resident beside (or instead of)
 * its own. Over HTTPS a session id is issued as {@code __Host-rsd_cid}, which only this host can
 * set, and counts only under that name; two {@code rsd_cid} pairs count as none. Requests here
 * write their {@code Cookie} header by hand, as a browser sends what its jar holds for the host,
 * and come "over HTTPS" through a trusted balancer's {@code X-Forwarded-Proto}.
 */
@ServerTest
@Timeout(60)
class HostCookieTest {
    private static final String OPEN = "{\"path\":\"/_bench\"}";
    private static Resident resident;
    private final URI uri;
    private final HttpClient http = HttpClient.newHttpClient(); // no cookie jar: each request says what it carries

    HostCookieTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of("resident.trusted-proxies", "127.0.0.1"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    /** Over HTTPS every answer (a file, an API error) tells the browser to keep to HTTPS; over plain HTTP none does. */
    @Test
    void answersOverHttpsTellTheBrowserToKeepToHttps() throws Exception {
        for (String path : List.of("/_/resident.js", "/_/nowhere", "/observe/health/live")) {
            HttpResponse<Void> overHttps = http.send(HttpRequest.newBuilder(uri.resolve(path))
                    .header("X-Forwarded-Proto", "https").build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(java.util.Optional.of("max-age=31536000"),
                    overHttps.headers().firstValue("strict-transport-security"), path);
            HttpResponse<Void> plain = http.send(HttpRequest.newBuilder(uri.resolve(path)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(java.util.Optional.empty(), plain.headers().firstValue("strict-transport-security"), path);
        }
    }

    @Test
    void anIdIssuedOverHttpsCountsOnlyAsTheHostCookie() {
        Answer opened = post("/_/pages", OPEN, null, true);
        assertEquals(201, opened.status(), opened.body());
        String id = opened.cookie("__Host-rsd_cid");
        String hostCookie = opened.setCookies().get(0);
        assertTrue(hostCookie.startsWith("__Host-rsd_cid=" + id + ";") && hostCookie.contains("Secure")
                && hostCookie.contains("Path=/") && !hostCookie.contains("Domain"), hostCookie);
        assertEquals(id, opened.cookie("rsd_cid"), "the copy the balancers follow: " + opened.setCookies());
        String page = opened.json().get("page_id").asText();

        assertEquals(1, inc(page, "__Host-rsd_cid=" + id, true));
        assertEquals(404, rpc(page, "rsd_cid=" + id, true).status(), "as a sibling host would plant it");
        assertEquals(404, rpc(page, "rsd_cid=" + id, false).status(), "nor over plain HTTP");
        String planted = post("/_/pages", OPEN, null, true).cookie("__Host-rsd_cid");
        assertEquals(2, inc(page, "rsd_cid=" + planted + "; __Host-rsd_cid=" + id, true),
                "the host's own cookie wins over a planted one");

        Browser browser = new Browser(uri); // its jar sends nothing over plain HTTP: the headers say it all
        SocketClient tossed = SocketClient.open(browser, page, headers("rsd_cid=" + id));
        assertEquals(4404, tossed.closeCode());
        SocketClient own = SocketClient.open(browser, page, headers("rsd_cid=" + planted + "; __Host-rsd_cid=" + id));
        assertEquals(page, own.next("hello").get("page_id").asText());
        own.close();
    }

    @Test
    void anIdPlantedInAFreshBrowserBecomesNeitherItsSessionNorItsLogin() {
        Answer attacker = post("/_/pages", OPEN, null, true);
        String attackerId = attacker.cookie("__Host-rsd_cid");
        String attackerPage = attacker.json().get("page_id").asText();

        // the victim's browser holds only what the sibling host planted
        Answer victim = post("/_/pages", OPEN, "rsd_cid=" + attackerId, true);
        assertEquals(201, victim.status(), victim.body());
        String victimId = victim.cookie("__Host-rsd_cid");
        assertNotEquals(attackerId, victimId, "a new session, not the planted one");
        String victimPage = victim.json().get("page_id").asText();
        assertEquals(404, rpc(victimPage, "__Host-rsd_cid=" + attackerId, true).status(), "the attacker cannot reach it");

        Answer login = post("/_/login", "{\"user\":\"alice\",\"password\":\"alice\"}", "rsd_cid=" + attackerId, true);
        assertEquals(200, login.status(), login.body());
        assertNotEquals(attackerId, login.cookie("__Host-rsd_cid"));
        Answer attackersView = post("/_/rpc", Json.write(Json.object().put("page_id", attackerPage).put("method", "inc")),
                "__Host-rsd_cid=" + attackerId, true);
        assertEquals(200, attackersView.status(), "the login did not take the attacker's session over: "
                + attackersView.body());
        Answer asAttacker = post("/_/pages", OPEN, "__Host-rsd_cid=" + attackerId, true);
        assertTrue(asAttacker.json().get("user").asText().startsWith("guest_"), asAttacker.body());
        assertNull(asAttacker.cookie("__Host-rsd_cid"), "the attacker's session goes on under its id");
    }

    @Test
    void twoPlainIdsCountAsNone() {
        Answer first = post("/_/pages", OPEN, null, false);
        Answer second = post("/_/pages", OPEN, null, false);
        assertNull(first.cookie("__Host-rsd_cid"), "over plain HTTP there is no __Host- cookie");
        String firstPage = first.json().get("page_id").asText();
        String both = "rsd_cid=" + second.cookie("rsd_cid") + "; rsd_cid=" + first.cookie("rsd_cid");
        assertEquals(404, rpc(firstPage, both, false).status(), "which of the two was planted cannot be told");
        assertEquals(404, rpc(second.json().get("page_id").asText(), both, false).status());
        assertEquals(1, inc(firstPage, "rsd_cid=" + first.cookie("rsd_cid"), false));
    }

    @Test
    void anIdIssuedBeforeHttpsMovesToTheHostCookie() {
        Answer before = post("/_/pages", OPEN, null, false);
        String id = before.cookie("rsd_cid");
        String page = before.json().get("page_id").asText();
        assertEquals(1, inc(page, "rsd_cid=" + id, true), "a session from before keeps working over HTTPS");

        Answer moved = post("/_/pages", OPEN, "rsd_cid=" + id, true);
        assertEquals(201, moved.status(), moved.body());
        assertEquals(id, moved.cookie("__Host-rsd_cid"), "the same session, now under the host's name");
        assertEquals(id, moved.cookie("rsd_cid"));
        assertEquals(404, rpc(page, "rsd_cid=" + id, true).status(), "from then on, only under that name");
        assertEquals(2, inc(page, "__Host-rsd_cid=" + id, true));
        assertEquals(1, inc(moved.json().get("page_id").asText(), "__Host-rsd_cid=" + id, true));
    }

    private int inc(String page, String cookie, boolean https) {
        Answer answer = rpc(page, cookie, https);
        assertEquals(200, answer.status(), answer.body());
        return answer.json().get("result").asInt();
    }

    private Answer rpc(String page, String cookie, boolean https) {
        return post("/_/rpc", Json.write(Json.object().put("page_id", page).put("method", "inc")), cookie, https);
    }

    private static Map<String, String> headers(String cookie) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Cookie", cookie);
        headers.put("X-Forwarded-Proto", "https");
        return headers;
    }

    private Answer post(String path, String json, String cookie, boolean https) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        if (https) {
            request.header("X-Forwarded-Proto", "https");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), response.headers().allValues("set-cookie"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private record Answer(int status, String body, List<String> setCookies) {
        JsonNode json() {
            return Json.parse(body);
        }

        /** The value a {@code Set-Cookie} of the answer gives cookie {@code name}, or null. */
        String cookie(String name) {
            return setCookies.stream().filter(c -> c.startsWith(name + "="))
                    .map(c -> c.substring(name.length() + 1, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
                    .findFirst().orElse(null);
        }
    }
}
