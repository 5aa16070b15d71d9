package dev.resident.page.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * A page's outgoing messages: assigns each its seq, keeps the last ones (bounded by count,
 * characters and age) for replay, hands them to the live outbox and wakes long-polls. Seq order, history order
 * and outbox order are the same because all three happen under one lock.
 */
final class MessageLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final String epoch;
    private final int maxMessages;
    private final long maxBytes;
    private final long maxAgeMillis;
    private final History history = new History();
    /** Characters of the kept messages' texts. */
    private long historyBytes;
    private long seq;
    private Outbox outbox;
    private boolean closed;

    /**
     * @param seq the seq to continue from (0 for a new page; a continued page keeps counting)
     */
    MessageLog(String epoch, long seq, int maxMessages, long maxBytes, Duration maxAge) {
        this.epoch = epoch;
        this.seq = seq;
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
        this.maxAgeMillis = maxAge.toMillis();
    }

    String epoch() {
        return epoch;
    }

    long seq() {
        lock.lock();
        try {
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a message of kind {@code t}; {@code body} is the rest of the JSON object after
     * {@code "seq":N,} including the closing brace, encoded once by the caller.
     */
    void append(String t, String body) {
        lock.lock();
        try {
            seq++;
            long now = System.currentTimeMillis();
            history.add(now, t, body);
            historyBytes += size(t, body);
            trim(now);
            if (outbox != null) {
                outbox.offer(text(seq, t, body));
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Messages after {@code after}, or a resync. */
    Replay after(long after) {
        lock.lock();
        try {
            return replay(after);
        } finally {
            lock.unlock();
        }
    }

    /** Like {@link #after(long)}, but waits up to {@code wait} for a first message. */
    Replay await(long after, Duration wait) throws InterruptedException {
        long nanos = wait.toNanos();
        lock.lock();
        try {
            while (seq <= after && nanos > 0 && !closed) {
                nanos = arrived.awaitNanos(nanos);
            }
            return replay(after);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Makes {@code next} the live outbox: it first receives {@code hello(seq)}, then the replay
     * after {@code after} (or a resync frame when the epoch differs, the history no longer reaches
     * back, or the replay would not fit the outbox), then every new message. A previous outbox is
     * closed with 4409.
     *
     * @param after       the client's last seen seq, or -1 for none
     * @param clientEpoch the epoch the client holds, or null
     * @return true when the client was told to resync
     */
    boolean attach(Outbox next, LongFunction<String> hello, long after, String clientEpoch) {
        Outbox previous;
        boolean resync;
        lock.lock();
        try {
            if (closed) {
                next.close(4404, "unknown page");
                return false;
            }
            previous = outbox;
            outbox = next;
            next.offer(hello.apply(seq));
            boolean epochChanged = clientEpoch != null && !clientEpoch.isEmpty() && !clientEpoch.equals(epoch);
            Replay replay = after < 0 ? new Replay(false, seq, List.of()) : replay(after);
            // a replay that would overflow the socket's queue is cheaper as a reload
            resync = epochChanged || replay.resync() || replay.messages().size() >= next.room()
                    || replayBytes(replay) >= next.roomBytes();
            if (resync) {
                next.offer("{\"t\":\"resync\"}");
            } else {
                replay.messages().forEach(next::offer);
            }
        } finally {
            lock.unlock();
        }
        if (previous != null) {
            previous.close(4409, "replaced by a newer socket");
        }
        return resync;
    }

    /** Forgets {@code gone} if it is still the live outbox. */
    void detach(Outbox gone) {
        lock.lock();
        try {
            if (outbox == gone) {
                outbox = null;
            }
        } finally {
            lock.unlock();
        }
    }

    Outbox outbox() {
        lock.lock();
        try {
            return outbox;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes long-polls (the page is closing) and closes the live outbox. */
    void close(int code, String reason) {
        Outbox live;
        lock.lock();
        try {
            live = outbox;
            outbox = null;
            closed = true;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        if (live != null) {
            live.close(code, reason);
        }
    }

    private Replay replay(long after) {
        if (after >= seq) {
            // a client ahead of the page comes from another epoch
            return after == seq ? new Replay(false, seq, List.of()) : new Replay(true, seq, List.of());
        }
        trim(System.currentTimeMillis());
        long first = seq - history.size() + 1;
        if (after < 0 || history.size() == 0 || after < first - 1) {
            return new Replay(true, seq, List.of());
        }
        List<String> messages = new ArrayList<>((int) (seq - after));
        for (long kept = after + 1; kept <= seq; kept++) {
            int i = (int) (kept - first);
            messages.add(text(kept, history.kind(i), history.body(i)));
        }
        return new Replay(false, seq, messages);
    }

    private void trim(long now) {
        long oldest = now - maxAgeMillis;
        while (history.size() > maxMessages || historyBytes > maxBytes
                || (history.size() > 0 && history.oldestAt() < oldest)) {
            historyBytes -= size(history.kind(0), history.body(0));
            history.removeOldest();
        }
    }

    private static long replayBytes(Replay replay) {
        long bytes = 0;
        for (String message : replay.messages()) {
            bytes += message.length();
        }
        return bytes;
    }

    /** {@code {"t":"","seq":,} and a seq of up to 19 digits. */
    private static final int ENVELOPE = 15 + 19;

    /** A kept message's full text, built only when it is sent or replayed. */
    private static String text(long seq, String t, String body) {
        return "{\"t\":\"" + t + "\",\"seq\":" + seq + "," + body;
    }

    /**
     * The length of {@link #text} (the seq counted at its widest) without building it; characters
     * rather than UTF-8 bytes, close enough for JSON that is almost all ASCII.
     */
    private static long size(String t, String body) {
        return ENVELOPE + t.length() + body.length();
    }

    /**
     * The kept messages, oldest first, in three parallel rings: no object per message, so a dbevent
     * delivered to thousands of pages leaves nothing behind for the young collector to copy but the
     * one body string they share (a record per message per page made every event's garbage survive).
     * Seqs are not stored: the kept messages are the last {@code size} seqs of the log.
     */
    private static final class History {
        private static final int INITIAL = 4;
        private long[] at = new long[INITIAL];
        private String[] kinds = new String[INITIAL];
        private String[] bodies = new String[INITIAL];
        private int head;
        private int size;

        int size() {
            return size;
        }

        void add(long now, String kind, String body) {
            if (size == at.length) {
                resize(2 * at.length);
            }
            int slot = slot(size);
            at[slot] = now;
            kinds[slot] = kind;
            bodies[slot] = body;
            size++;
        }

        long oldestAt() {
            return at[head];
        }

        String kind(int index) {
            return kinds[slot(index)];
        }

        String body(int index) {
            return bodies[slot(index)];
        }

        void removeOldest() {
            kinds[head] = null;
            bodies[head] = null;
            head = (head + 1) % at.length;
            size--;
            if (size == 0 && at.length > 4 * INITIAL) {
                resize(INITIAL); // an idle page lets go of the room its busy time needed
            }
        }

        private int slot(int index) {
            return (head + index) % at.length;
        }

        private void resize(int capacity) {
            long[] newAt = new long[capacity];
            String[] newKinds = new String[capacity];
            String[] newBodies = new String[capacity];
            for (int i = 0; i < size; i++) {
                int from = slot(i);
                newAt[i] = at[from];
                newKinds[i] = kinds[from];
                newBodies[i] = bodies[from];
            }
            at = newAt;
            kinds = newKinds;
            bodies = newBodies;
            head = 0;
        }
    }
}
