package dev.resident.state;

/**
 * A write of a new key refused because its bucket holds the most bytes it may (a NATS bucket's
 * bound): the store answers, and entries already stored can still be written over. Space comes
 * back as entries expire or are deleted; until then what was not written lives only in its process.
 */
public final class BucketFull extends StateUnavailable {
    public BucketFull(String message, Throwable cause) {
        super(message, cause);
    }
}
