package dev.resident.task.engine.nats;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The names one site uses in NATS for tasks, from its subject prefix: stream {@code <P>_tasks} on
 * {@code <prefix>.task.queue}, its durable consumer {@code workers}, KV buckets {@code <P>_jobs}
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

    String queueSubject() {
        return prefix + ".task.queue";
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
