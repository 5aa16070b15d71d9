package dev.resident.legacy;

/** A request body is larger than {@code legacy.max-body}: declared so, or found so while it was relayed. */
final class BodyTooLarge extends RuntimeException {
    BodyTooLarge(long limit) {
        super("body larger than " + limit + " bytes", null, false, false);
    }
}
