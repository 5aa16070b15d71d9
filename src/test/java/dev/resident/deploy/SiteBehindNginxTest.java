package dev.resident.deploy;

import dev.resident.support.Browser;
import dev.resident.support.Nginx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import java.util.Collection;

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

    /** nginx keeps a browser's process in the browser, in its route cookie. */
    @Override
    void loseStickiness(Collection<Browser> browsers) {
        browsers.forEach(browser -> browser.dropCookie("rsd_route"));
    }
}
