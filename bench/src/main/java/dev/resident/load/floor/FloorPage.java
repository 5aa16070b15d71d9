package dev.resident.load.floor;

import java.util.ArrayDeque;

/**
 * One page of the floor: a counter, the page's seq and its last messages, all under the page's
 * monitor, as the protocol wants calls on one page run one at a time.
 */
final class FloorPage {
    private static final int KEPT = 64;
    private final ArrayDeque<String> history = new ArrayDeque<>(KEPT);
    private long count;
    private long seq;

    /** Adds {@code by}; returns the data message, already kept for replay. */
    synchronized Call inc(long by) {
        count += by;
        String data = "{\"t\":\"data\",\"seq\":" + ++seq + ",\"changes\":[{\"path\":\"count\",\"value\":" + count + "}]}";
        if (history.size() == KEPT) {
            history.removeFirst();
        }
        history.addLast(data);
        return new Call(count, seq, data);
    }

    synchronized long seq() {
        return seq;
    }

    /** What an {@code inc} call returns: its result, the page's seq after it and its data message. */
    record Call(long result, long seq, String data) {
    }
}
