package dev.resident.deploy;

import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.DroppingServer;
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
            browser.setCookie(AffinityCookie.NAME, new AffinityCookie("").value("alice")); // kept from an earlier login
            processes.add(processOf(browser.benchPage()));
            processes.add(processOf(browser.benchPage()));
        }
        assertEquals(1, processes.size(), "consistent hashing of rsd_aff, not round robin: " + processes);
    }

    /**
     * A POST that reached a process which then dropped the connection may have run: nginx must
     * answer 502 and not send it to another process (no {@code non_idempotent}). With it, p02
     * would get the call and answer it.
     */
    @Test
    void aPostWhoseConnectionBrokeIsNotSentToAnotherProcess() throws Exception {
        try (DroppingServer p01 = new DroppingServer();
             Nginx dropping = new Nginx(p01.port(), nodes.get("p02").server().port())) {
            Browser browser = dropping.browser();
            browser.setCookie("rsd_route", "p01"); // bound to p01, with p02 as its backup
            Reply reply = browser.rpc("AAAAAAAAAAAAAAAAAAAAAA|p01", "inc");
            assertEquals(502, reply.status(), "answered by p02 after p01 dropped it: " + reply.body());
        }
    }

    /** nginx keeps a browser's process in the browser, in its route cookie. */
    @Override
    void loseStickiness(Collection<Browser> browsers) {
        browsers.forEach(browser -> browser.dropCookie("rsd_route"));
    }
}
