package dev.resident.bus.nats;

import java.util.ArrayDeque;
import java.util.function.Supplier;

/**
 * Messages waiting for NATS, oldest first, bounded in bytes; a message that does not fit is
 * refused. Not thread-safe: its owner guards it.
 */
final class OutageBuffer {
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    private final long maxBytes;
    private long bytes;

    OutageBuffer(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Appends a message; false when it would exceed the limit. */
    boolean offer(Outgoing message) {
        long size = message.size();
        if (bytes + size > maxBytes) {
            return false;
        }
        queue.addLast(message);
        bytes += size;
        return true;
    }

    /** The oldest message, or null. */
    Outgoing peek() {
        return queue.peekFirst();
    }

    void removeFirst() {
        bytes -= queue.removeFirst().size();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    int size() {
        return queue.size();
    }

    /**
     * One message for NATS.
     *
     * @param subject  where it goes
     * @param data     the encoded envelope
     * @param tooLarge what to send instead when {@code data} is past the server's {@code max_payload}
     *                 (made only then), or null: nothing
     */
    record Outgoing(String subject, byte[] data, Supplier<byte[]> tooLarge) {
        long size() {
            return subject.length() + data.length;
        }
    }
}
