package dev.resident.state.nats;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state buckets over NATS each hold at most their bound, so pages that fill theirs refuse only
 * their own new entries. Unbounded, they filled JetStream's storage for every bucket: a login then
 * got 503 and the process went unready, its store "unreachable".
 */
@Timeout(120)
class BucketBoundsTest {
    /** Each bench page holds about this many bytes of data (its bound is 4,096). */
    private static final int PAGE_DATA = 3900;

    @Test
    void pagesFillingTheirBucketLeaveLoginsAndTheStoreWorking(@TempDir Path dir) throws Exception {
        // 4 MB of JetStream storage: room for the bounds below, not for 1,200 pages of 4 KB
        Path config = Files.writeString(dir.resolve("nats.conf"), "jetstream { max_file_store: 4MB }\n");
        try (NatsTestServer nats = new NatsTestServer("-js", "-c", config.toString());
             NatsSite site = new NatsSite(nats, Map.ofEntries(
                     Map.entry("resident.state.store", "nats"),
                     Map.entry("resident.state.snapshot-interval", "100ms"),
                     Map.entry("resident.tasks.max-store-bytes", "524288"),
                     Map.entry("resident.limits.max-pages-per-connection", "2000"),
                     Map.entry("resident.state.nats-bucket-bytes.pages", "1048576"),
                     Map.entry("resident.state.nats-bucket-bytes.connections", "524288"),
                     Map.entry("resident.state.nats-bucket-bytes.connection-stores", "262144"),
                     Map.entry("resident.state.nats-bucket-bytes.users", "262144"),
                     Map.entry("resident.state.nats-bucket-bytes.global", "65536"),
                     Map.entry("resident.state.nats-bucket-bytes.processes", "65536")))) {
            NatsSite.Node node = site.start("p01");
            Browser alice = node.browser();
            assertEquals(200, alice.login("alice", "alice").status());
            String first = alice.openPage("/_bench", null).get("page_id").asText();
            ObjectNode params = Json.object().put("data", "x".repeat(PAGE_DATA));
            int opened = 1;
            while (opened < 1200 && node.counter("resident_state_bucket_full_total") == 0) {
                for (int i = 0; i < 50; i++, opened++) {
                    alice.openPage("/_bench", params);
                }
            }

            Browser bob = node.browser();
            assertEquals(200, bob.login("bob", "bob").status(), "a login is stored while the pages bucket is full");
            assertTrue(node.ready(), "the store answers: the process stays ready");
            assertTrue(node.counter("resident_state_bucket_full_total") > 0, "the pages bucket refused some of "
                    + opened + " pages");
            assertEquals(200, alice.rpc(first, "inc", null, null).status(), "a page not saved lives on");
            bob.openPage("/_bench", null); // a page opened still, to live unsaved
        }
    }

    /**
     * A second process of the site finds the buckets the first made, and keeps their bounds. Before,
     * NATS counted an existing bucket's reservation again when it was made a second time, so with
     * the bounds near JetStream's room the second process found "no room", made the pages bucket
     * unbounded, and the third bounded it again: every other start dropped the bound.
     */
    @Test
    void aSecondProcessKeepsTheBoundsTheFirstMade(@TempDir Path dir) throws Exception {
        // 4 MB of JetStream storage: room for the bounds below (3.6 MB), not for the pages' twice
        Path config = Files.writeString(dir.resolve("nats.conf"), "jetstream { max_file_store: 4MB }\n");
        try (NatsTestServer nats = new NatsTestServer("-js", "-c", config.toString());
             NatsSite site = new NatsSite(nats, Map.ofEntries(
                     Map.entry("resident.state.store", "nats"),
                     Map.entry("resident.tasks.max-store-bytes", "524288"),
                     Map.entry("resident.state.nats-bucket-bytes.pages", "2097152"),
                     Map.entry("resident.state.nats-bucket-bytes.connections", "524288"),
                     Map.entry("resident.state.nats-bucket-bytes.connection-stores", "262144"),
                     Map.entry("resident.state.nats-bucket-bytes.users", "262144"),
                     Map.entry("resident.state.nats-bucket-bytes.global", "65536"),
                     Map.entry("resident.state.nats-bucket-bytes.processes", "65536")));
             io.nats.client.Connection client = io.nats.client.Nats.connect(nats.url())) {
            NatsSite.Node p01 = site.start("p01");
            Browser alice = p01.browser();
            assertEquals(200, alice.login("alice", "alice").status());
            alice.openPage("/_bench", null); // the pages bucket is made at the first page
            assertEquals(2097152, pagesBound(client), "the first process bounds the pages bucket");
            NatsSite.Node p02 = site.start("p02");
            Browser bob = p02.browser();
            assertEquals(200, bob.login("bob", "bob").status());
            bob.openPage("/_bench", null); // the pages bucket is made at the first page
            assertEquals(2097152, pagesBound(client), "the second process keeps the bound");
            NatsSite.Node p03 = site.start("p03");
            Browser carol = p03.browser();
            assertEquals(200, carol.login("carol", "carol").status());
            carol.openPage("/_bench", null); // the pages bucket is made at the first page
            assertEquals(2097152, pagesBound(client), "and the third");
        }
    }

    private static long pagesBound(io.nats.client.Connection client) throws Exception {
        return client.keyValueManagement().getStatus(NatsSite.PREFIX + "_pages").getMaxBucketSize();
    }
}
