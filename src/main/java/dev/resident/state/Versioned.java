package dev.resident.state;

/**
 * A stored value with the revision it was written at: a later write of the same key has a higher
 * revision, so a writer can make its write conditional on nobody else having written since.
 */
public record Versioned(byte[] value, long revision) {
}
