package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.support.Chrome;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Logins in one tab (each under a new session id) while another tab of the same browser keeps
 * calling its page, polling it and opening pages: requests it sent with the session id just before
 * the browser had the new one are sent again, so its page lives on and the browser stays logged in.
 * Before, such a call or poll was answered as a stranger's (404: the page ended), and such a page
 * open minted a new session whose cookie logged the browser out. A call that was running when a
 * login replaced the id answers 409 {@code session_changed} by design, and the loop goes on. (A logout ends the user's pages:
 * {@code StoresTest}; a request with the id a logout replaced is told to try again:
 * {@code ReplacedSessionIdTest}.)
 */
@Tag("slow")
@Timeout(120)
class LoginInAnotherTabInBrowserTest {
    /**
     * Keeps one page (long-polled, no socket; a guest's, carried into the first login) calling and
     * other pages opening while it logs in six times: the failures, the state the page settles
     * in, and the user of a page opened last.
     */
    private static final String LOG_IN_AND_OUT_WHILE_ANOTHER_TAB_WORKS = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage, login }) => {
              const options = { websocket: false, retryMs: 20 };
              const page = await openPage('/_bench', {}, options);
              const failures = [];
              let running = true;
              const calling = (async () => {
                while (running) {
                  try { await page.rpc('inc', {}); } catch (error) {
                    // a call that ran while a login replaced the session id: it ran, its answer is
                    // withheld by design (ReplacedSessionIdTest); the page lives on
                    if (error.code === 'session_changed') { continue; }
                    failures.push('rpc ' + error.code); return;
                  }
                }
              })();
              const opening = (async () => {
                while (running) {
                  try { (await openPage('/_bench', {}, options)).close(); }
                  catch (error) { failures.push('open ' + error.code); return; }
                }
              })();
              for (let i = 0; i < 6; i++) {
                await login('alice', 'alice');
              }
              running = false;
              await Promise.all([calling, opening]);
              const last = await openPage('/_bench', {}, options);
              // a poll sent just before the last login answered is being sent again (reconnecting):
              // the page ends online, or offline (ended)
              const settled = ['online', 'offline'].includes(page.state) ? page.state : await new Promise(
                  resolve => page.on('state', state => { if (state === 'online' || state === 'offline') resolve(state); }));
              done([...failures, 'state ' + settled, 'user ' + last.user]);
            });
            """;

    @Test
    void callsPollsAndOpensOfAnotherTabOutliveLogins() throws Exception {
        Resident resident = TestServers.resident(Map.of(), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            assertEquals(List.of("state online", "user alice"),
                    chrome.driver().executeAsyncScript(LOG_IN_AND_OUT_WHILE_ANOTHER_TAB_WORKS));
        } finally {
            server.stop();
            resident.close();
        }
    }
}
