package dev.resident.task.engine.nats;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The names one site uses in NATS for tasks, from its subject prefix: stream {@code <P>_tasks} on
 * {@code <prefix>.task.queue.<user>} (one subject a user, a hash of the name, so that the stream
 * caps each user's jobs; the bare {@code <prefix>.task.queue} of earlier versions is still read),
 * its durable consumer {@code workers}, KV buckets {@code <P>_jobs}
 * and {@code <P>_schedule},
 * page events on {@code <prefix>.task.page.<page id in base64url>} and cancels on
 * {@code <prefix>.task.cancel} ({@code <P>} is the prefix with every character that a stream name
 * cannot hold replaced by {@code _}).
 */
record JetStreamNames(String prefix) {
    static final String CONSUMER = "workers";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    String stream() {
        return base() + "_tasks";
    }

    String bucket() {
        return base() + "_jobs";
    }

    String scheduleBucket() {
        return base() + "_schedule";
    }

    /** The subject of earlier versions, one for all users: still in the stream for jobs queued then. */
    String queueSubject() {
        return prefix + ".task.queue";
    }

    /** Every user's subject. */
    String userQueues() {
        return queueSubject() + ".*";
    }

    /**
     * The subject of the jobs of {@code quota} (a user, or a guest's address: {@code JobSpec.quota}):
     * 16 characters of a hash of it (any name makes a token).
     */
    String queueSubject(String quota) {
        return queueSubject() + "." + quotaToken(quota);
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
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(quota.getBytes(StandardCharsets.UTF_8));
            return BASE64URL.encodeToString(Arrays.copyOf(hash, 12));
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

    private String base() {
        return prefix.replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
