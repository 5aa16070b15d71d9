package dev.resident.page.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A page's seqs and the messages it keeps for replay: a ring of parallel arrays (kind, body or
 * its place, time, size) over the newest seqs. Trimming the oldest reads only the arrays, never the old
 * message's objects: with a thousand messages kept per page those are long out of the CPU's
 * cache, and reading them cost more than the rest of an append (bench/README, "Ninth session").
 * The arrays start small and double up to what the bounds keep. Not thread-safe: {@link
 * MessageLog} holds its lock around every use.
 *
 * <p>The page's own bodies (its data changes) are kept as UTF-8 in one byte ring, in seq order,
 * and a kind as its index in {@link #KINDS}: a kept data message is no object of its own, so the
 * collector has nothing to trace or copy for it (bench/README, "Twenty-second session"). Pushed
 * bodies, shared by every page that got them, stay the caller's strings. The byte ring is half
 * as large again as what it holds, and shrinks when that falls below a quarter.
 */
final class MessageHistory {
    /** Every kind a page sends after its hello; a kind is kept as its index here. */
    private static final String[] KINDS = {"data", "dbevent", "notify", "broadcast", "job"};
    /** {@code {"t":"","seq":,} and a seq of up to 19 digits. */
    private static final int ENVELOPE = 15 + 19;
    private static final int FIRST_CAPACITY = 4;
    private static final int FIRST_BYTES = 256;
    private static final byte[] NO_BYTES = {};
    private byte[] kinds = new byte[FIRST_CAPACITY];
    /** A pushed message's body; null for the page's own, which is in {@link #own}. */
    private String[] shared = new String[FIRST_CAPACITY];
    /** An own body's offset and length in {@link #own}. */
    private int[] starts = new int[FIRST_CAPACITY];
    private int[] lengths = new int[FIRST_CAPACITY];
    private long[] times = new long[FIRST_CAPACITY];
    private int[] sizes = new int[FIRST_CAPACITY];
    /** Index of the oldest message. */
    private int head;
    private int count;
    /** Seq of the newest message (the oldest is {@code lastSeq - count + 1}). */
    private long lastSeq;
    private long chars;
    private long ownChars;
    /**
     * The own bodies kept, back to back in seq order, in a ring: {@link #ownBytes} bytes from
     * {@link #ownStart}, wrapping at the array's end.
     */
    private byte[] own = NO_BYTES;
    private int ownStart;
    private int ownBytes;

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
     * @param kind one of {@link #KINDS}
     * @param own  whether its body is the page's own (a data change), not a body shared with other
     *             pages (a dbevent, a broadcast, a notice)
     */
    long append(String kind, String body, long at, boolean own) {
        byte code = code(kind);
        if (count == kinds.length) {
            grow();
        }
        int slot = (head + count) & (kinds.length - 1);
        int size = ENVELOPE + kind.length() + body.length();
        kinds[slot] = code;
        if (own) {
            byte[] utf8 = body.getBytes(StandardCharsets.UTF_8);
            starts[slot] = keep(utf8);
            lengths[slot] = utf8.length;
        } else {
            shared[slot] = body;
        }
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
                ownStart = wrapped(ownStart + lengths[head]);
                ownBytes -= lengths[head];
            }
            shared[head] = null;
            head = (head + 1) & (kinds.length - 1);
            count--;
        }
        if (count == 0) {
            ownStart = 0;
            if (own.length > FIRST_BYTES) {
                own = NO_BYTES; // a page gone quiet gives its bytes back
            }
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
            String body = shared[slot];
            if (body == null) {
                body = ownBody(starts[slot], lengths[slot]);
            }
            texts.add(text(KINDS[kinds[slot]], ++seq, body));
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

    private static byte code(String kind) {
        for (byte i = 0; i < KINDS.length; i++) {
            if (KINDS[i].equals(kind)) {
                return i;
            }
        }
        throw new IllegalArgumentException("not a message kind: " + kind);
    }

    /** Copies {@code utf8} after the own bodies kept, and returns its offset. */
    private int keep(byte[] utf8) {
        int length = utf8.length;
        if (ownBytes + length > own.length || (ownBytes + length) * 4L < own.length && own.length > FIRST_BYTES) {
            resize(ownBytes + length);
        }
        int start = wrapped(ownStart + ownBytes);
        int first = Math.min(length, own.length - start);
        System.arraycopy(utf8, 0, own, start, first);
        System.arraycopy(utf8, first, own, 0, length - first);
        ownBytes += length;
        return start;
    }

    private String ownBody(int start, int length) {
        if (start + length <= own.length) {
            return new String(own, start, length, StandardCharsets.UTF_8);
        }
        byte[] joined = new byte[length];
        int first = own.length - start;
        System.arraycopy(own, start, joined, 0, first);
        System.arraycopy(own, 0, joined, first, length - first);
        return new String(joined, StandardCharsets.UTF_8);
    }

    /**
     * Moves the own bodies kept to the front of a new ring half as large again as {@code needed}
     * bytes: grown when they would not fit, shrunk when they fill less than a quarter.
     */
    private void resize(int needed) {
        byte[] into = new byte[(int) Math.min(Math.max(FIRST_BYTES, needed + needed / 2L), Integer.MAX_VALUE - 8)];
        int first = Math.min(ownBytes, own.length - ownStart);
        System.arraycopy(own, ownStart, into, 0, first);
        System.arraycopy(own, 0, into, first, ownBytes - first);
        for (int i = 0; i < count; i++) {
            int slot = (head + i) & (kinds.length - 1);
            if (sizes[slot] > 0) {
                starts[slot] = wrapped(starts[slot] - ownStart + own.length);
            }
        }
        own = into;
        ownStart = 0;
    }

    /** An offset in {@link #own} from one that may have run up to one length past its end. */
    private int wrapped(int offset) {
        return offset >= own.length ? offset - own.length : offset;
    }

    private void grow() {
        int capacity = kinds.length * 2;
        byte[] newKinds = new byte[capacity];
        String[] newShared = new String[capacity];
        int[] newStarts = new int[capacity];
        int[] newLengths = new int[capacity];
        long[] newTimes = new long[capacity];
        int[] newSizes = new int[capacity];
        for (int i = 0; i < count; i++) {
            int slot = (head + i) & (kinds.length - 1);
            newKinds[i] = kinds[slot];
            newShared[i] = shared[slot];
            newStarts[i] = starts[slot];
            newLengths[i] = lengths[slot];
            newTimes[i] = times[slot];
            newSizes[i] = sizes[slot];
        }
        kinds = newKinds;
        shared = newShared;
        starts = newStarts;
        lengths = newLengths;
        times = newTimes;
        sizes = newSizes;
        head = 0;
    }
}
