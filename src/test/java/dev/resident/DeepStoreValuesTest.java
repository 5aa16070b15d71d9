package dev.resident;

import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A value too deeply nested to be read back is refused when written: a guest whose params a page
 * keeps in a shared store, two levels down (in a list of notes), must not make that store
 * unreadable for every user.
 */
@ServerTest
@Timeout(60)
class DeepStoreValuesTest {
    private static Resident resident;
    private final URI uri;

    DeepStoreValuesTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(Map.of(), new PageTypes().register(
                PageType.builder("/notes", (Page page, dev.resident.page.Params params) -> page)
                        .method("keep", (page, params) -> {
                            page.globalStore().put("notes", List.of(Map.of("by", page.user(), "note", params.value("note"))));
                            return true;
                        })
                        .method("count", (page, params) -> page.globalStore().<List<?>>get("notes").map(List::size).orElse(0))
                        .build()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void aValueTooDeepToReadBackIsRefusedAndTheStoreStaysReadable() {
        Browser attacker = new Browser(uri);
        String attackersPage = attacker.openPage("/notes", null).get("page_id").asText();
        assertEquals(200, attacker.rpc(attackersPage, "keep", Json.object().put("note", "hello"), null).status());
        String deep = "[".repeat(62) + "]".repeat(62);
        Browser.Reply kept = attacker.post("/_/rpc", "{\"page_id\":\"" + attackersPage + "\",\"method\":\"keep\",\"params\":{\"note\":" + deep + "}}");
        assertEquals(422, kept.status(), kept.body());

        Browser other = new Browser(uri);
        String othersPage = other.openPage("/notes", null).get("page_id").asText();
        Browser.Reply count = other.rpc(othersPage, "count");
        assertEquals(200, count.status(), "another user still reads the store: " + count.body());
        assertEquals(1, count.json().get("result").asInt());
    }
}
