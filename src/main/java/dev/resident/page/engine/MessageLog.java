package dev.resident.page.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * A page's outgoing messages: assigns each its seq, keeps the last ones (bounded by count,
 * characters and age, in a {@link MessageHistory}) for replay, hands them to the live outbox and
 * wakes long-polls. Seq order, history order and outbox order are the same because all three
 * happen under one lock.
 */
final class MessageLog {
    /**
     * Long-polls that wait on one page at once: its client's, and one more while a client's poll
     * replaces one whose connection it lost. A newer poll answers the oldest at once.
     */
    static final int MAX_WAITING_POLLS = 2;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final String epoch;
    private final int maxMessages;
    private final long maxBytes;
    private final long maxAgeMillis;
    private final MessageHistory history;
    private Outbox outbox;
    private boolean closed;
    /** Polls that came so far (the last one's number), and those waiting now. */
    private long polls;
    private int waitingPolls;

    /**
     * @param seq the seq to continue from (0 for a new page; a continued page keeps counting)
     */
    MessageLog(String epoch, long seq, int maxMessages, long maxBytes, Duration maxAge) {
        this.epoch = epoch;
        this.history = new MessageHistory(seq);
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
            return history.seq();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Appends a message of kind {@code t}; {@code body} is the rest of the JSON object after
     * {@code "seq":N,} including the closing brace, encoded once by the caller.
     */
    void append(String t, String body) {
        append(t, body, System.currentTimeMillis(), false);
    }

    /**
     * Like {@link #append(String, String)}, at {@code now} (millis) that the caller read already;
     * {@code own} when the body is the page's alone (see {@link MessageHistory#append}).
     */
    void append(String t, String body, long now, boolean own) {
        lock.lock();
        try {
            long seq = history.append(t, body, now, own);
            history.trim(maxMessages, maxBytes, now - maxAgeMillis);
            if (outbox != null) {
                outbox.offer(MessageHistory.text(t, seq, body));
            }
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Characters of the page's own messages kept for replay, those past their age dropped first. */
    long ownChars(long now) {
        lock.lock();
        try {
            history.trim(maxMessages, maxBytes, now - maxAgeMillis);
            return history.ownChars();
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

    /**
     * Like {@link #after(long)}, but waits up to {@code wait} for a first message. At most
     * {@link #MAX_WAITING_POLLS} wait at once: a newer one answers the oldest now, with what it has
     * (a client that still waits for it polls again), so that polls cannot pile up on a page.
     */
    Replay await(long after, Duration wait) throws InterruptedException {
        long nanos = wait.toNanos();
        lock.lock();
        try {
            long mine = ++polls;
            waitingPolls++;
            if (waitingPolls > MAX_WAITING_POLLS) {
                arrived.signalAll(); // the oldest finds it is no longer among the newest
            }
            try {
                while (history.seq() <= after && nanos > 0 && !closed && polls - mine < MAX_WAITING_POLLS) {
                    nanos = arrived.awaitNanos(nanos);
                }
            } finally {
                waitingPolls--;
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
            long seq = history.seq();
            next.offer(hello.apply(seq));
            boolean epochChanged = clientEpoch != null && !clientEpoch.isEmpty() && !clientEpoch.equals(epoch);
            Replay replay = after < 0 ? new Replay(false, seq, List.of()) : replay(after);
            // a replay that would overflow the socket's queue is cheaper as a reload
            resync = epochChanged || replay.resync() || replay.messages().size() >= next.room()
                    || replayChars(replay) >= next.roomBytes();
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

    /** Closes the live outbox, if any, and leaves the page open: its client connects again. */
    void closeOutbox(int code, String reason) {
        Outbox live;
        lock.lock();
        try {
            live = outbox;
            outbox = null;
        } finally {
            lock.unlock();
        }
        if (live != null) {
            live.close(code, reason);
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
        long seq = history.seq();
        if (after >= seq) {
            // a client ahead of the page comes from another epoch
            return new Replay(after != seq, seq, List.of());
        }
        history.trim(maxMessages, maxBytes, System.currentTimeMillis() - maxAgeMillis);
        if (after < 0 || !history.reaches(after)) {
            return new Replay(true, seq, List.of());
        }
        return new Replay(false, seq, history.after(after));
    }

    private static long replayChars(Replay replay) {
        long chars = 0;
        for (String message : replay.messages()) {
            chars += message.length();
        }
        return chars;
    }
}
