package dev.resident;

import dev.resident.page.PageType;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page method's bug answers 500 {@code internal} with the id its stack trace is logged under:
 * the page author sees that id in the error's message, whether the call went over the socket
 * (where the frame's message is the bare id) or over HTTP (where it is the body's {@code id},
 * before only "internal error"), so a user's report can be matched to the server's log.
 */
@Tag("slow")
@Timeout(60)
class InternalErrorsInBrowserTest {
    /** The failing call's error over the socket, then over HTTP (a page without a socket). */
    private static final String FAIL_ON_BOTH = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const messages = [];
              for (const websocket of [true, false]) {
                const page = await openPage('/buggy', {}, { websocket });
                if (page.state !== 'online') {
                  await new Promise(resolve => page.on('state', state => { if (state === 'online') resolve(); }));
                }
                await page.rpc('fail', {}).then(() => messages.push('resolved'),
                    error => messages.push(page.transport + ' ' + error.code + ' ' + error.message));
              }
              done(messages);
            });
            """;

    @Test
    @SuppressWarnings("unchecked")
    void aMethodsBugShowsTheIdItsStackTraceIsLoggedUnderOverTheSocketAndOverHttp() {
        PageTypes types = new PageTypes().register(PageType.builder("/buggy", (page, params) -> page)
                .method("fail", (page, params) -> {
                    throw new IllegalStateException("a bug in the page's own code");
                })
                .build());
        Resident resident = TestServers.resident(Map.of(), types);
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            List<String> messages = (List<String>) chrome.driver().executeAsyncScript(FAIL_ON_BOTH);
            assertEquals(2, messages.size(), messages.toString());
            assertTrue(messages.get(0).matches("ws internal internal error \\(id [A-Za-z0-9_-]{12}\\)"), messages.get(0));
            assertTrue(messages.get(1).matches("poll internal internal error \\(id [A-Za-z0-9_-]{12}\\)"), messages.get(1));
            assertNotEquals(messages.get(0).substring(4), messages.get(1).substring(6), "each failure has its own id");
        } finally {
            server.stop();
            resident.close();
        }
    }
}
