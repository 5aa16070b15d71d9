package dev.resident.state;

/** The store cannot be reached or cannot write (NATS down, disk full): the caller keeps its copy and retries later. */
public class StateUnavailable extends RuntimeException {
    public StateUnavailable(String message, Throwable cause) {
        super(message, cause);
    }

    public StateUnavailable(String message) {
        super(message);
    }
}
