package dev.resident.web;

import java.io.IOException;

/** Whether a failure reading a request came from its connection breaking (a reset, a closed socket). */
final class BrokenConnection {
    private BrokenConnection() {
    }

    /** Whether {@code failure}, or what caused it, is an I/O error: the connection, not what came over it. */
    static boolean in(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
