package dev.resident.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many threads parsing and writing at once through the shared buffers get their own text back. */
class BufferSlotsTest {
    @Test
    void concurrentParsesAndWritesNeverShareABuffer() throws Exception {
        List<Future<?>> runs = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 64; t++) {
                int thread = t;
                runs.add(threads.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        // sizes that cross Jackson's buffer sizes, so a shared buffer would show
                        String text = "t" + thread + "-" + i + "-" + "x".repeat((thread * 131 + i) % 9000);
                        ObjectNode node = Json.object().put("thread", thread).put("i", i).put("text", text);
                        JsonNode back = Json.parse(Json.write(node));
                        assertEquals(node, back);
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        }
    }

    @Test
    void theSlotsKeepAtMostTheirNumberOfBufferSets() {
        BufferSlots slots = new BufferSlots();
        List<com.fasterxml.jackson.core.util.BufferRecycler> taken = new ArrayList<>();
        for (int i = 0; i < BufferSlots.SLOTS * 2; i++) {
            taken.add(slots.acquirePooled());
        }
        taken.forEach(slots::releasePooled);
        assertEquals(BufferSlots.SLOTS, slots.pooledCount());
        var again = slots.acquirePooled();
        assertTrue(taken.contains(again), "a kept set is handed out again");
        assertEquals(BufferSlots.SLOTS - 1, slots.pooledCount());
    }
}
