package dev.resident.task.engine.nats;

import dev.resident.page.PageException;

/** The answers when JetStream cannot do what was asked in time. */
final class Unavailable {
    private Unavailable() {
    }

    static PageException of(String what, Exception cause) {
        if (cause instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new PageException(503, "unavailable", "the task queue cannot be reached (" + what + ")");
    }
}
