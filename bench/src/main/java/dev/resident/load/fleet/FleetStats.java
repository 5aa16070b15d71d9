package dev.resident.load.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;
import dev.resident.load.scenario.Recorder;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.Base64;

/**
 * What the sockets of one event loop saw. Touched only on that loop's thread; a report copies
 * it there. {@code delivered} and the latency histogram can be reset between measured stretches.
 */
final class FleetStats {
    long opened;
    long failed;
    long closed;
    long delivered;
    long gaps;
    long pings;
    long otherMessages;
    final Histogram latency = Recorder.newHistogram();

    void add(FleetStats other) {
        opened += other.opened;
        failed += other.failed;
        closed += other.closed;
        delivered += other.delivered;
        gaps += other.gaps;
        pings += other.pings;
        otherMessages += other.otherMessages;
        latency.add(other.latency);
    }

    void resetDeliveries() {
        delivered = 0;
        gaps = 0;
        latency.reset();
    }

    ObjectNode toJson() {
        ByteBuffer buffer = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        int length = latency.encodeIntoCompressedByteBuffer(buffer);
        return Json.object().put("opened", opened).put("failed", failed).put("closed", closed)
                .put("open_now", opened - closed).put("delivered", delivered).put("gaps", gaps)
                .put("pings", pings).put("other_messages", otherMessages)
                .put("latency", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length)));
    }
}
