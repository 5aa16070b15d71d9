package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The {@code rsd_aff} route cookie under {@code resident.login.affinity-key}: the first 16 hex
 * digits of the HMAC-SHA256 of the user name, as HAProxy computes it from a login's body
 * (UserAffinityBehindHaproxyTest runs the two together).
 */
@ServerTest
@Timeout(30)
class AffinityKeyTest {
    private static final String KEY = Base64.getEncoder().encodeToString("a key of thirty-two bytes, here!".getBytes(StandardCharsets.UTF_8));
    private static Resident resident;
    private final URI uri;

    AffinityKeyTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of("resident.login.affinity-key", KEY));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void theRouteCookieIsAnHmacOfTheUserName() throws GeneralSecurityException {
        Browser browser = new Browser(uri);
        Reply login = browser.login("alice", "alice");
        assertEquals(200, login.status(), login.body());
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(KEY), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal("alice".getBytes(StandardCharsets.UTF_8))).substring(0, 16);
        assertEquals(expected, browser.cookie("rsd_aff"));
    }

    @Test
    void aKeyThatCannotWorkStopsTheStart() {
        for (String key : new String[] {"not base64!", Base64.getEncoder().encodeToString(new byte[8])}) {
            assertThrows(IllegalArgumentException.class,
                    () -> TestServers.resident(Map.of("resident.login.affinity-key", key), new PageTypes()), key);
        }
    }
}
