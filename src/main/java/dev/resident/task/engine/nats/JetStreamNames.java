package dev.resident.task.engine.nats;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The names one site uses in NATS for tasks, from its subject prefix: the work-queue stream {@code
 * <P>_queue} on {@code <prefix>.task.turn.<turn>.<user>} (one subject a user, a hash of the name,
 * so that the stream caps each user's jobs; the users spread over {@link #TURNS} turns, each with
 * its durable consumer {@code turn-<n>}, which the workers take from in rotation), a wake-up on
 * {@code <prefix>.task.wake} when a job was queued, KV buckets {@code <P>_jobs} and {@code
 * <P>_schedule}, page events on {@code <prefix>.task.page.<page id in base64url>} and cancels on
 * {@code <prefix>.task.cancel} ({@code <P>} is the prefix with every character that a stream name
 * cannot hold replaced by {@code _}). Earlier versions queued on stream {@code <P>_tasks} (subjects
 * {@code <prefix>.task.queue} and {@code <prefix>.task.queue.<user>}, one consumer {@code workers}
 * taken in stream order): its jobs are still taken while it exists.
 */
record JetStreamNames(String prefix) {
    /**
     * The consumers the users' subjects are spread over. Workers take one job of each turn that has
     * some, one turn after the other, so users in different turns take turns; users who share one
     * (one chance in this many for two users) are taken in the order they queued.
     */
    static final int TURNS = 32;
    /** The one consumer of the earlier versions' stream. */
    static final String EARLIER_CONSUMER = "workers";
    private static final String TURN_CONSUMER = "turn-";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    String stream() {
        return base() + "_queue";
    }

    /** The stream of earlier versions, which queued every job in one line. */
    String earlierStream() {
        return base() + "_tasks";
    }

    String bucket() {
        return base() + "_jobs";
    }

    String scheduleBucket() {
        return base() + "_schedule";
    }

    /** Every user's subject, in every turn: the stream's subjects. */
    String allQueues() {
        return turns() + ">";
    }

    /** The subjects of one turn: its consumer's filter. */
    String turnQueues(int turn) {
        return turns() + turn + ".*";
    }

    static String turnConsumer(int turn) {
        return TURN_CONSUMER + turn;
    }

    /** The turn of a subject of {@link #allQueues}, or -1 when it is none. */
    int turnOf(String subject) {
        String turns = turns();
        int end = subject.indexOf('.', turns.length());
        if (!subject.startsWith(turns) || end < 0) {
            return -1;
        }
        try {
            int turn = Integer.parseInt(subject, turns.length(), end, 10);
            return turn >= 0 && turn < TURNS ? turn : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * The subject of the jobs of {@code quota} (a user, or a guest's address: {@code JobSpec.quota}):
     * its turn, and 16 characters of a hash of it (any name makes a token).
     */
    String queueSubject(String quota) {
        byte[] hash = hash(quota);
        return turns() + (Byte.toUnsignedInt(hash[12]) % TURNS) + "." + BASE64URL.encodeToString(Arrays.copyOf(hash, 12));
    }

    /** Published (empty) once a job was queued, so that idle workers look at once. */
    String wakeSubject() {
        return prefix + ".task.wake";
    }

    /**
     * The key in the job bucket of what the results of {@code quota}'s jobs that ended in {@code
     * window} hold (job ids have no dot, so no job's key is one of these).
     */
    static String resultUsageKey(String quota, long window) {
        return "usage." + quotaToken(quota) + "." + window;
    }

    /**
     * The key in the job bucket of how many jobs {@code quota} submitted in {@code window} (a key of
     * its own beside {@link #resultUsageKey}'s).
     */
    static String submitCountKey(String quota, long window) {
        return "submits." + quotaToken(quota) + "." + window;
    }

    /** 16 characters of a hash of {@code quota}: a subject token or a key part, whatever the name. */
    private static String quotaToken(String quota) {
        return BASE64URL.encodeToString(Arrays.copyOf(hash(quota), 12));
    }

    private static byte[] hash(String quota) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(quota.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String pageSubject(String pageId) {
        return prefix + ".task.page." + BASE64URL.encodeToString(pageId.getBytes(StandardCharsets.UTF_8));
    }

    String allPages() {
        return prefix + ".task.page.*";
    }

    String cancelSubject() {
        return prefix + ".task.cancel";
    }

    private String turns() {
        return prefix + ".task.turn.";
    }

    private String base() {
        return prefix.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
