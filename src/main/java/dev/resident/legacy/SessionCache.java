package dev.resident.legacy;

import dev.resident.registry.Identity;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The legacy app's answers about sessions, each kept for a short time, at most {@code size} of
 * them. Keyed by a hash of the session cookie, so the cache holds no usable credential. When full
 * it drops the expired answers, then the "no user" ones (any client can make those by the
 * thousand, with made-up cookies: they must not push out the users'), and all of them if that is
 * not enough: the cost is one more question to the legacy app per session.
 */
final class SessionCache {
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final int size;

    SessionCache(Duration ttl, int size) {
        this.ttlNanos = ttl.toNanos();
        this.size = size;
    }

    /** The kept answer for {@code session}: empty when there is none or it expired. */
    Optional<Optional<Identity>> get(String session) {
        Answer answer = answers.get(key(session));
        return answer == null || answer.expired(System.nanoTime()) ? Optional.empty() : Optional.of(answer.identity());
    }

    void put(String session, Optional<Identity> identity) {
        if (ttlNanos == 0) {
            return;
        }
        long now = System.nanoTime();
        if (answers.size() >= size) {
            answers.values().removeIf(answer -> answer.expired(now));
            if (answers.size() >= size) {
                answers.values().removeIf(answer -> answer.identity().isEmpty());
            }
            if (answers.size() >= size) {
                answers.clear();
            }
        }
        answers.put(key(session), new Answer(identity, now + ttlNanos));
    }

    int size() {
        return answers.size();
    }

    private static String key(String session) {
        return SessionDigest.of(session);
    }

    private record Answer(Optional<Identity> identity, long expiresAt) {
        boolean expired(long now) {
            return now - expiresAt >= 0;
        }
    }
}
