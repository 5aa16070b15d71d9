package dev.resident.state.nats;

import dev.resident.state.Bucket;
import dev.resident.state.BucketFull;
import dev.resident.state.StateUnavailable;
import dev.resident.support.Eventually;
import dev.resident.support.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pipelined conditional write of the NATS KV store against a real nats-server with JetStream. */
@Timeout(60)
class KvBucketTest {

    @Test
    void pipelinedWritesAreConditionalOnTheRevisionLikeTheBlockingOnes() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             Connection connection = Nats.connect(nats.url())) {
            Bucket bucket = new KvStateStore(CompletableFuture.completedFuture(connection), "kvtest", Duration.ofSeconds(5), name -> 0)
                    .bucket("pages", Duration.ofMinutes(5));

            long created = bucket.updateAsync("a", bytes("one"), 0).join();
            assertTrue(created > 0);
            assertEquals(-1, bucket.updateAsync("a", bytes("again"), 0).join(), "a create finds the key taken");
            assertEquals(-1, bucket.updateAsync("a", bytes("stale"), created + 100).join(), "a stale revision loses");
            long updated = bucket.updateAsync("a", bytes("two"), created).join();
            assertTrue(updated > created);
            assertArrayEquals(bytes("two"), bucket.get("a").orElseThrow().value());
            assertEquals(updated, bucket.get("a").orElseThrow().revision());

            bucket.delete("a");
            long recreated = bucket.updateAsync("a", bytes("three"), 0).join();
            assertTrue(recreated > updated, "a create writes over a delete marker");
            assertArrayEquals(bytes("three"), bucket.get("a").orElseThrow().value());

            List<CompletableFuture<Long>> many = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                many.add(bucket.updateAsync("k" + i, bytes("v" + i), 0));
            }
            for (int i = 0; i < 500; i++) {
                assertTrue(many.get(i).join() > 0);
                assertArrayEquals(bytes("v" + i), bucket.get("k" + i).orElseThrow().value());
            }
        }
    }

    @Test
    void aWriteWithoutNatsFailsAsUnavailable() throws Exception {
        NatsTestServer nats = new NatsTestServer("-js");
        try (Connection connection = Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1).build())) {
            KvStateStore store = new KvStateStore(CompletableFuture.completedFuture(connection), "kvdown", Duration.ofMillis(500), name -> 0);
            Bucket bucket = store.bucket("pages", Duration.ofMinutes(5));
            assertTrue(bucket.updateAsync("a", bytes("one"), 0).join() > 0);
            nats.stop();
            CompletionException failed = assertThrows(CompletionException.class,
                    () -> bucket.updateAsync("a", bytes("two"), 1).join());
            assertInstanceOf(StateUnavailable.class, failed.getCause());
            assertFalse(store.reachable());
        } finally {
            nats.close();
        }
    }

    /**
     * A key deleted (a logout, a page closed) keeps a mark; one whose value went with NATS's store
     * has none: its holder may write it again, a deleted one it must not.
     */
    @Test
    void aKeyLostWithTheStoreIsToldFromADeletedOne() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             Connection connection = Nats.connect(new Options.Builder().server(nats.url()).maxReconnects(-1).build())) {
            Bucket bucket = new KvStateStore(CompletableFuture.completedFuture(connection), "kvgone", Duration.ofSeconds(5), name -> 0)
                    .bucket("pages", Duration.ofMinutes(5));
            long live = bucket.put("live", bytes("one"));
            bucket.put("deleted", bytes("two"));
            bucket.delete("deleted");
            assertFalse(bucket.vanished("live"), "it has a value");
            assertFalse(bucket.vanished("deleted"), "a delete leaves its mark");
            assertTrue(bucket.vanished("never"), "never written");

            nats.stop();
            nats.restartEmpty();
            // a holder's next write, at the revision it knew, finds the bucket made again and the key gone
            Eventually.await(Duration.ofSeconds(30), "a stale write refused by the bucket made again", () -> {
                try {
                    return bucket.updateAsync("live", bytes("one again"), live).join() == -1;
                } catch (CompletionException e) {
                    return false; // the link is not back, or this write found the bucket gone
                }
            });
            assertTrue(bucket.vanished("live"), "its value went with the store");
        }
    }

    /**
     * A bucket at its bound refuses a new key, and only that: the store stays reachable, stored
     * keys are still written over, and the other buckets take new keys.
     */
    @Test
    void aFullBucketRefusesNewKeysOnly() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js");
             Connection connection = Nats.connect(nats.url())) {
            KvStateStore store = new KvStateStore(CompletableFuture.completedFuture(connection), "kvfull",
                    Duration.ofSeconds(5), name -> name.equals("pages") ? 8192 : 0);
            Bucket pages = store.bucket("pages", Duration.ofMinutes(5));
            Bucket connections = store.bucket("connections", Duration.ofMinutes(5));
            int stored = 0;
            for (; stored < 100; stored++) {
                try {
                    pages.put("k" + stored, new byte[500]);
                } catch (BucketFull full) {
                    break;
                }
            }
            assertTrue(stored > 5 && stored < 100, stored + " values of 500 bytes in a bucket of 8 KB");
            assertTrue(store.reachable(), "a full bucket is not an unreachable store");
            CompletionException pipelined = assertThrows(CompletionException.class,
                    () -> pages.updateAsync("new", new byte[500], 0).join());
            assertInstanceOf(BucketFull.class, pipelined.getCause());
            assertThrows(BucketFull.class, () -> pages.update("new", new byte[500], 0));
            assertTrue(store.reachable());

            // near its bound JetStream may have dropped the oldest keys (its check counts a value's bytes,
            // its store adds the key's and ~30 bytes more): the newest are there
            String last = "k" + (stored - 1);
            long revision = pages.get(last).orElseThrow().revision();
            assertTrue(pages.updateAsync(last, bytes("over"), revision).join() > revision, "a stored key is written over");
            assertTrue(pages.put(last, bytes("again")) > revision);
            for (int i = 0; i < 100; i++) {
                connections.put("c" + i, new byte[500]);
            }
            assertArrayEquals(bytes("again"), pages.get(last).orElseThrow().value());
        }
    }

    /**
     * JetStream reserves a bucket's bound: a NATS without room for it still gets the bucket, made
     * without a bound, rather than a store that fails every request.
     */
    @Test
    void aBoundNatsHasNoRoomForLeavesTheBucketUnbounded(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("nats.conf"), "jetstream { max_file_store: 1MB }\n");
        try (NatsTestServer nats = new NatsTestServer("-js", "-c", config.toString());
             Connection connection = Nats.connect(nats.url())) {
            KvStateStore store = new KvStateStore(CompletableFuture.completedFuture(connection), "kvroom",
                    Duration.ofSeconds(5), name -> 64L << 20);
            Bucket pages = store.bucket("pages", Duration.ofMinutes(5));
            assertTrue(pages.put("a", bytes("one")) > 0);
            assertTrue(store.reachable());
            assertEquals(-1, connection.keyValueManagement().getStatus("kvroom_pages").getConfiguration().getMaxBucketSize());
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
