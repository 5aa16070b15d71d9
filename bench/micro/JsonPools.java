import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.BufferSlots;

import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * 64 virtual threads parse an rpc frame and write a result frame, as fast as they can, with one of
 * Jackson's buffer pools: {@code slots} (Resident's BufferSlots), {@code deque} (Jackson's shared
 * concurrent-deque pool, Resident's earlier choice), {@code bounded} (Jackson's bounded pool) or
 * {@code none} (no recycling). Prints calls per second for 4 rounds of 3 s. Run by bench/json-pools.
 */
public class JsonPools {
    public static void main(String[] args) throws Exception {
        RecyclerPool<BufferRecycler> pool = switch (args[0]) {
            case "slots" -> new BufferSlots();
            case "deque" -> JsonRecyclerPools.sharedConcurrentDequePool();
            case "bounded" -> JsonRecyclerPools.newBoundedPool(64);
            case "none" -> JsonRecyclerPools.nonRecyclingPool();
            default -> throw new IllegalArgumentException("slots, deque, bounded or none");
        };
        ObjectMapper mapper = new ObjectMapper(JsonFactory.builder().recyclerPool(pool).build());
        ObjectNode result = mapper.createObjectNode().put("t", "result").put("id", 17).put("seq", 12345);
        result.putObject("result").put("count", 99);
        byte[] call = "{\"t\":\"rpc\",\"id\":5,\"method\":\"inc\",\"params\":{}}".getBytes();
        for (int round = 0; round < 4; round++) {
            LongAdder calls = new LongAdder();
            long end = System.nanoTime() + 3_000_000_000L;
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int t = 0; t < 64; t++) {
                    threads.submit(() -> {
                        long done = 0;
                        while (System.nanoTime() < end) {
                            mapper.readTree(call);
                            mapper.writeValueAsString(result);
                            if ((++done & 63) == 0) {
                                Thread.yield(); // let the 64 threads take turns on the carriers, as sockets do
                            }
                        }
                        calls.add(done);
                        return null;
                    });
                }
            }
            System.out.println(args[0] + " round " + round + ": " + calls.sum() / 3 + " calls/s");
        }
    }
}
