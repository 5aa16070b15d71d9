package dev.resident.state;

/**
 * The store's link stayed down for the whole wait and nothing was sent: no write is in doubt, and
 * the next one would wait for the link in vain as well.
 */
public final class StateUnreachable extends StateUnavailable {
    public StateUnreachable(String message, Throwable cause) {
        super(message, cause);
    }
}
