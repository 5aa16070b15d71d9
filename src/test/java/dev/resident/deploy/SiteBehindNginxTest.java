package dev.resident.deploy;

import dev.resident.support.Browser;
import dev.resident.support.Nginx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import dev.resident.web.AffinityCookie;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The site behind the real nginx with {@code deploy/nginx.conf}, its ports rewritten. */
@Timeout(60)
class SiteBehindNginxTest extends BalancedSiteTest {
    private Nginx nginx;

    @BeforeEach
    void startNginx() {
        nginx = new Nginx(nodes);
    }

    @AfterEach
    void stopNginx() {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Override
    Browser browser() {
        return nginx.browser();
    }

    @Test
    void browsersOfAReturningUserLandOnOneProcessByItsAffinityCookie() {
        Set<String> processes = new TreeSet<>();
        for (int b = 0; b < 4; b++) {
            Browser browser = browser();
            browser.setCookie(AffinityCookie.NAME, AffinityCookie.value("alice")); // kept from an earlier login
            processes.add(processOf(browser.benchPage()));
            processes.add(processOf(browser.benchPage()));
        }
        assertEquals(1, processes.size(), "consistent hashing of rsd_aff, not round robin: " + processes);
    }

    /** nginx keeps a browser's process in the browser, in its route cookie. */
    @Override
    void loseStickiness(Collection<Browser> browsers) {
        browsers.forEach(browser -> browser.dropCookie("rsd_route"));
    }
}
