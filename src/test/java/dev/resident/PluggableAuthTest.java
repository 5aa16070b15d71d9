package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.registry.Identity;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Resident#builder}: another password check for {@code POST /_/login}, or another app's session. */
@Timeout(30)
class PluggableAuthTest {

    @Test
    void anAuthenticatorReplacesTheUsersInConfig() {
        Resident.Builder builder = Resident.builder(config()).pageTypes(new PageTypes())
                .authenticator((user, password) -> user.equals("zoe") && password.equals("from-ldap")
                        ? Optional.of(new Identity("zoe", false, Set.of())) : Optional.empty());
        serve(builder, browser -> {
            assertEquals("zoe", browser.login("zoe", "from-ldap").json().get("user").asText());
            assertEquals("zoe", browser.openPage("/_bench", null).get("user").asText());
            assertError(new Browser(browser.base()).login("alice", "alice"), 401, "unauthorized");
        });
    }

    @Test
    void aSessionAuthenticatorMakesEachRequestFollowAnotherAppsSession() {
        Resident.Builder builder = Resident.builder(config()).pageTypes(new PageTypes())
                .sessionAuthenticator((cookies, address) -> cookies.stream().anyMatch(c -> c.contains("sso=yann"))
                        ? Optional.of(new Identity("yann", false, Set.of())) : Optional.empty());
        serve(builder, browser -> {
            Reply opened = browser.send(HttpRequest.newBuilder(browser.base().resolve("/_/pages"))
                    .header("Cookie", "sso=yann")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/_bench\"}")));
            assertEquals(201, opened.status(), opened.body());
            assertEquals("yann", opened.json().get("user").asText());
            String pageId = opened.json().get("page_id").asText();
            assertEquals(404, browser.get("/_/page?page_id=" + pageId).status(),
                    "without the other app's session yann's page ended: the browser is someone else's now");
            assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"),
                    "and the connection is a guest again");
        });
    }

    private static io.helidon.config.Config config() {
        return ResidentConfig.withOverrides(Map.of("resident.admin-token", TestServers.ADMIN_TOKEN,
                "resident.bench-pages", "true", "resident.state.store", "memory"));
    }

    private static void serve(Resident.Builder builder, Consumer<Browser> test) {
        Resident resident = builder.build();
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(resident::setup).build().start();
        try {
            test.accept(new Browser(URI.create("http://127.0.0.1:" + server.port())));
        } finally {
            server.stop();
            resident.close();
        }
    }
}
