package dev.resident.registry;

import dev.resident.id.Ids;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Who holds a process lease: when that process started and a random name for it, written in the
 * lease as {@code <started ms> <instance> <renewed ms>}. An older process wrote only the renewal
 * time: it names no holder. A process that gave its lease up (a drain) leaves
 * {@code released <instance>} in it until it runs out: it names no holder either.
 */
record LeaseHolder(long startedAt, String instance) {
    private static final String RELEASED = "released ";

    static LeaseHolder starting() {
        return new LeaseHolder(System.currentTimeMillis(), Ids.newId());
    }

    byte[] encode(long renewedAt) {
        return (startedAt + " " + instance + " " + renewedAt).getBytes(StandardCharsets.US_ASCII);
    }

    /** What this holder leaves in its lease when it gives it up: its pages may be continued at once. */
    byte[] encodeReleased() {
        return (RELEASED + instance).getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code value} is a lease given up by its process (a drain). */
    static boolean released(byte[] value) {
        return new String(value, StandardCharsets.US_ASCII).startsWith(RELEASED);
    }

    static Optional<LeaseHolder> decode(byte[] value) {
        String[] parts = new String(value, StandardCharsets.US_ASCII).split(" ");
        if (parts.length != 3 || parts[1].isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new LeaseHolder(Long.parseLong(parts[0]), parts[1]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether this holder is another process that started before {@code other} (ties go by name). */
    boolean startedBefore(LeaseHolder other) {
        if (instance.equals(other.instance)) {
            return false;
        }
        return startedAt < other.startedAt || startedAt == other.startedAt && instance.compareTo(other.instance) < 0;
    }

    String describe() {
        return "at " + Instant.ofEpochMilli(startedAt);
    }
}
