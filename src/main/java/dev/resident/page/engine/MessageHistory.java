package dev.resident.page.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * A page's seqs and the messages it keeps for replay: a ring of parallel arrays (kind, body,
 * time, size) over the newest seqs. Trimming the oldest reads only the arrays, never the old
 * message's objects: with a thousand messages kept per page those are long out of the CPU's
 * cache, and reading them cost more than the rest of an append (bench/README, "Ninth session").
 * The arrays start small and double up to what the bounds keep. Not thread-safe: {@link
 * MessageLog} holds its lock around every use.
 */
final class MessageHistory {
    /** {@code {"t":"","seq":,} and a seq of up to 19 digits. */
    private static final int ENVELOPE = 15 + 19;
    private static final int FIRST_CAPACITY = 4;
    private String[] kinds = new String[FIRST_CAPACITY];
    private String[] bodies = new String[FIRST_CAPACITY];
    private long[] times = new long[FIRST_CAPACITY];
    private int[] sizes = new int[FIRST_CAPACITY];
    /** Index of the oldest message. */
    private int head;
    private int count;
    /** Seq of the newest message (the oldest is {@code lastSeq - count + 1}). */
    private long lastSeq;
    private long chars;
    private long ownChars;

    /** @param seq the seq to continue from (0 for a new page) */
    MessageHistory(long seq) {
        this.lastSeq = seq;
    }

    /** The seq of the newest message, kept or not (the seq it started from before any). */
    long seq() {
        return lastSeq;
    }

    /**
     * Characters of the page's own messages kept (see {@link #append}), envelopes included; the
     * bodies of pushed messages are shared with other pages and not counted here.
     */
    long ownChars() {
        return ownChars;
    }

    /**
     * Keeps a message under the next seq, which it returns.
     *
     * @param own whether its body is the page's own (a data change), not a body shared with other
     *            pages (a dbevent, a broadcast, a notice)
     */
    long append(String kind, String body, long at, boolean own) {
        if (count == kinds.length) {
            grow();
        }
        int slot = (head + count) & (kinds.length - 1);
        int size = ENVELOPE + kind.length() + body.length();
        kinds[slot] = kind;
        bodies[slot] = body;
        times[slot] = at;
        sizes[slot] = own ? size : -size; // the sign says whose: trimming reads only the arrays
        count++;
        chars += size;
        if (own) {
            ownChars += size;
        }
        return ++lastSeq;
    }

    /**
     * Drops the oldest messages until at most {@code maxMessages} and {@code maxChars} are kept,
     * none older than {@code oldest} (a time in millis).
     */
    void trim(int maxMessages, long maxChars, long oldest) {
        while (count > 0 && (count > maxMessages || chars > maxChars || times[head] < oldest)) {
            int size = sizes[head];
            chars -= Math.abs(size);
            if (size > 0) {
                ownChars -= size;
            }
            kinds[head] = null;
            bodies[head] = null;
            head = (head + 1) & (kinds.length - 1);
            count--;
        }
    }

    /** Whether every message after {@code after} is kept ({@code after} below the newest seq). */
    boolean reaches(long after) {
        return count > 0 && after >= lastSeq - count;
    }

    /** The texts of the messages after {@code after}, oldest first; see {@link #reaches}. */
    List<String> after(long after) {
        int skip = (int) (after - (lastSeq - count));
        List<String> texts = new ArrayList<>(count - skip);
        long seq = after;
        for (int i = skip; i < count; i++) {
            int slot = (head + i) & (kinds.length - 1);
            texts.add(text(kinds[slot], ++seq, bodies[slot]));
        }
        return texts;
    }

    /**
     * A kept message as sent: the body is the caller's string, shared by every page that got the
     * same dbevent or broadcast, so the full text is built only when it is sent or replayed.
     */
    static String text(String kind, long seq, String body) {
        return "{\"t\":\"" + kind + "\",\"seq\":" + seq + "," + body;
    }

    private void grow() {
        int capacity = kinds.length * 2;
        kinds = unrolled(kinds, new String[capacity]);
        bodies = unrolled(bodies, new String[capacity]);
        long[] newTimes = new long[capacity];
        int[] newSizes = new int[capacity];
        for (int i = 0; i < count; i++) {
            int slot = (head + i) & (times.length - 1);
            newTimes[i] = times[slot];
            newSizes[i] = sizes[slot];
        }
        times = newTimes;
        sizes = newSizes;
        head = 0;
    }

    private <T> T[] unrolled(T[] ring, T[] into) {
        for (int i = 0; i < count; i++) {
            into[i] = ring[(head + i) & (ring.length - 1)];
        }
        return into;
    }
}
