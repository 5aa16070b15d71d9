package dev.resident.state;

/**
 * What an embedded engine's answered writes cost, since the start: the writes that waited for a
 * commit, and the commits they shared.
 */
public record Commits(long writes, long commits) {
    /** A store whose answer to a write is its storage: nothing waits for a commit. */
    public static final Commits NONE = new Commits(0, 0);
}
