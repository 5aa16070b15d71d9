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
 * A call whose text is large and not ASCII, made over the socket from Chromium, reaches the page
 * exactly as typed. Chromium sends a message past 64 KB in several frames cut by bytes (measured
 * with Chromium 156: 65,536 bytes went in one frame, 70,000 in two, 4 MB in about 40, at byte
 * counts that fall inside characters), and Helidon decoded each frame by itself, so a character
 * cut in two reached the page as U+FFFD replacement characters.
 */
@Tag("slow")
@Timeout(60)
class LargeTextInBrowserTest {
    /** Echoes texts of about 100 KB to 900 KB of 1- to 4-byte characters; what came back unlike what was sent. */
    private static final String ECHO = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/_bench', {});
              if (page.state !== 'online') {
                await new Promise(resolve => page.on('state', state => { if (state === 'online') resolve(); }));
              }
              const outcomes = [];
              for (const size of [100000, 300000, 600000, 900000]) {
                const unit = '\\u20ac\\ud83d\\ude00\\u00e8\\u20ac\\ud83d\\ude00 '; // €😀è€😀: 11 of its 17 bytes inside characters
                const text = unit.repeat(Math.floor(size / new TextEncoder().encode(unit).length));
                const echoed = (await page.rpc('echo', { text })).text;
                let at = 0;
                while (at < text.length && text[at] === echoed[at]) at++;
                outcomes.push(page.transport + ' ' + Math.round(new TextEncoder().encode(text).length / 1000) + ' KB: '
                    + (echoed === text ? 'exact' : 'differs at char ' + at + ': ' + JSON.stringify(echoed.substr(at, 8))));
              }
              done(outcomes);
            });
            """;

    @Test
    @SuppressWarnings("unchecked")
    void aLargeNonAsciiTextSentOverTheSocketArrivesExact() {
        Resident resident = TestServers.resident(Map.of(), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        URI uri = URI.create("http://localhost:" + server.port());
        try (Chrome chrome = Chrome.start()) {
            chrome.driver().get(uri.resolve("/_/resident.js").toString());
            List<String> outcomes = (List<String>) chrome.driver().executeAsyncScript(ECHO);
            assertEquals(List.of("ws 100 KB: exact", "ws 300 KB: exact", "ws 600 KB: exact", "ws 900 KB: exact"), outcomes);
        } finally {
            server.stop();
            resident.close();
        }
    }
}
