package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.GunicornProcess;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code /_legacy} bridge page (migration phase 3) with the real gunicorn app: its
 * {@code /app/orders-page}, rendered by the legacy app, includes {@code /_/resident.js} and opens a
 * bridge page; a dbevent posted to {@code /_/dbevent}, a notification to its user (the one login)
 * and a broadcast reach that page in Chromium. Plus the bridge page's bounds over HTTP.
 */
@ServerTest
@Timeout(90)
class LegacyBridgePageTest {
    private static GunicornProcess legacy;
    private static Resident resident;
    private final URI uri;

    LegacyBridgePageTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        legacy = new GunicornProcess(Map.of("RESIDENT_ADMIN_TOKEN", TestServers.ADMIN_TOKEN));
        resident = TestServers.setup(server, Map.of(
                "legacy.upstream", legacy.url(),
                "resident.auth.mode", "legacy-session",
                "legacy.session.cookie", "legacy_sid",
                "legacy.session.introspect", "/app/whoami",
                "legacy.bridge.tables", "orders, pkg.*, limits.a"));
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    @Test
    void aLegacyPagesBridgeReceivesDbeventsNotificationsAndBroadcasts() {
        try (Chrome chrome = Chrome.start()) {
            ChromeDriver driver = chrome.driver();
            driver.get(uri.resolve("/app/login?user=kim").toString());
            driver.get(uri.resolve("/app/orders-page?page_id=orders-7").toString());
            await(driver, "the bridge page is open for kim", () -> text(driver, "user").equals("kim")
                    && text(driver, "state").equals("online"));
            assertTrue(resident.registry().pages().stream().anyMatch(page -> page.path().equals("/_legacy")
                    && page.user().equals("kim")
                    && page.data().snapshot().path("legacy_page_id").asText().equals("orders-7")),
                    "kim's bridge page carries the legacy page id");

            ObjectNode dbevent = Json.object().put("table", "orders");
            dbevent.putArray("events").addObject().put("action", "U").put("pkey", 4242);
            assertEquals(202, admin("/_/dbevent", dbevent).status());
            await(driver, "the dbevent reached the legacy page", () -> shown(driver, "dbevent").contains("4242"));

            assertEquals(202, admin("/_/notify", Json.object().put("user", "kim").put("topic", "order-shipped")).status());
            await(driver, "kim's notification reached it", () -> shown(driver, "notify").contains("order-shipped"));

            assertEquals(202, admin("/_/broadcast", Json.object().put("topic", "maintenance")).status());
            await(driver, "the broadcast reached it", () -> shown(driver, "broadcast").contains("maintenance"));

            ObjectNode other = Json.object().put("table", "invoices");
            other.putArray("events").addObject().put("action", "I").put("pkey", 7);
            assertEquals(202, admin("/_/dbevent", other).status());
            assertEquals(202, admin("/_/broadcast", Json.object().put("topic", "after-invoices")).status());
            await(driver, "the later broadcast arrived", () -> shown(driver, "broadcast").contains("after-invoices"));
            assertEquals(1, driver.findElements(By.cssSelector("li.dbevent")).size(), "a table it does not watch never came");
        }
    }

    @Test
    void overHttpTheBridgePageIsBoundedAndForLoggedInUsers() {
        Browser guest = new Browser(uri);
        assertError(guest.post("/_/pages", bridge("[\"orders\"]", "\"p1\"")), 401, "unauthorized");

        Browser browser = new Browser(uri);
        browser.get("/app/login?user=lee");
        String tooMany = Json.write(Collections.nCopies(33, "t"));
        assertError(browser.post("/_/pages", bridge(tooMany, "\"p1\"")), 422, "unprocessable");
        assertError(browser.post("/_/pages", bridge("[\"" + "t".repeat(129) + "\"]", "\"p1\"")), 422, "unprocessable");
        assertError(browser.post("/_/pages", bridge("[\"orders\"]", "\"<script>\"")), 422, "unprocessable");
        assertError(browser.post("/_/pages", bridge("[\"orders\"]", "null")), 422, "unprocessable");
        assertError(browser.post("/_/pages", bridge("[\"orders\",\"salaries\"]", "\"p1\"")), 403, "forbidden");
        assertError(browser.post("/_/pages", bridge("[\"limits.b\"]", "\"p1\"")), 403, "forbidden");
        assertError(browser.post("/_/pages", bridge("[\"pkg\"]", "\"p1\"")), 403, "forbidden");
        assertTrue(resident.registry().subscribedTables().stream().noneMatch(table -> table.equals("salaries")),
                "a refused open watches nothing");

        Reply opened = browser.post("/_/pages", bridge("[\"orders\",\"pkg.invoices\"]", "\"p1\""));
        assertEquals(201, opened.status(), opened.body());
        assertEquals("lee", opened.json().get("user").asText());
        SocketClient socket = browser.socket(opened.json().get("page_id").asText());
        socket.next("hello");
        ObjectNode dbevent = Json.object().put("table", "pkg.invoices");
        dbevent.putArray("events").addObject().put("action", "D").put("pkey", 9);
        admin("/_/dbevent", dbevent);
        JsonNode received = socket.next("dbevent");
        assertEquals("pkg.invoices", received.get("table").asText());
        socket.close();
    }

    private static String bridge(String tables, String legacyPageId) {
        return "{\"path\":\"/_legacy\",\"params\":{\"tables\":" + tables + ",\"legacy_page_id\":" + legacyPageId + "}}";
    }

    private Reply admin(String path, JsonNode body) {
        return new Browser(uri).send(HttpRequest.newBuilder(uri.resolve(path))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    private static void await(ChromeDriver driver, String what, java.util.function.BooleanSupplier condition) {
        try {
            Eventually.await(Duration.ofSeconds(20), what, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the page shows: " + driver.findElement(By.tagName("body")).getText(), e);
        }
    }

    private static String text(ChromeDriver driver, String id) {
        return driver.findElements(By.id(id)).stream().map(WebElement::getText).findFirst().orElse("");
    }

    private static String shown(ChromeDriver driver, String type) {
        return String.join("\n", driver.findElements(By.cssSelector("li." + type)).stream().map(WebElement::getText).toList());
    }
}
