package dev.resident.state.nats;

import dev.resident.support.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two processes of a fresh site making one bucket at once, with its bound near JetStream's room
 * (the shipped bounds: 6.1 GiB of 8 GB): NATS answers the second create "no room", as for a second
 * reservation. Before, that process took it for no room at all, tried to make the bucket unbounded,
 * was refused (another configuration) and failed its state call (the review's finding: 19 of 30
 * rounds). Now it finds the bucket the other made, and both bind it with its bound.
 */
@Timeout(120)
class KvProvisioningTest {
    private static final long BOUND = 2_500_000;
    private static final int ROUNDS = 30;

    @Test
    void twoProcessesMakingOneBucketAtOnceBothBindItWithItsBound(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("nats.conf"), "jetstream { max_file_store: 4MB }\n");
        try (NatsTestServer nats = new NatsTestServer("-js", "-c", config.toString());
             Connection a = Nats.connect(nats.url()); Connection b = Nats.connect(nats.url())) {
            List<String> failed = new ArrayList<>();
            int unbounded = 0;
            for (int round = 0; round < ROUNDS; round++) {
                try {
                    a.keyValueManagement().delete("race");
                } catch (JetStreamApiException none) {
                    // the first round: no bucket yet
                }
                CyclicBarrier together = new CyclicBarrier(2);
                List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
                List<Thread> processes = new ArrayList<>();
                for (Connection process : List.of(a, b)) {
                    processes.add(Thread.ofPlatform().start(() -> {
                        try {
                            together.await();
                            KvProvisioning.provide(process.keyValueManagement(), "race", Duration.ofMinutes(5), BOUND);
                        } catch (Throwable t) {
                            thrown.add(t);
                        }
                    }));
                }
                for (Thread process : processes) {
                    process.join();
                }
                if (!thrown.isEmpty()) {
                    failed.add(String.valueOf(thrown.get(0)));
                }
                if (a.keyValueManagement().getStatus("race").getMaxBucketSize() != BOUND) {
                    unbounded++;
                }
            }
            assertEquals(List.of(), failed, "rounds in which a process failed to make or bind the bucket");
            assertEquals(0, unbounded, "rounds that left the bucket without its bound");
        }
    }
}
