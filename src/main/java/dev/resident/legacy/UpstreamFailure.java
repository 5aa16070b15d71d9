package dev.resident.legacy;

import java.net.SocketTimeoutException;

/**
 * The legacy app failed before its answer began: 504 {@code gateway_timeout} when it was too
 * slow, else 502 {@code bad_gateway} (down, refused, closed the connection, spoke no HTTP). Both
 * codes extend PROTOCOL.md's list.
 */
final class UpstreamFailure extends RuntimeException {
    private final int status;
    private final String code;

    private UpstreamFailure(int status, String code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.code = code;
    }

    static UpstreamFailure of(Throwable cause) {
        for (Throwable e = cause; e != null; e = e.getCause()) {
            if (e instanceof SocketTimeoutException) {
                return new UpstreamFailure(504, "gateway_timeout", "the legacy app did not answer in time", cause);
            }
        }
        return new UpstreamFailure(502, "bad_gateway", "the legacy app cannot be reached", cause);
    }

    /** An answer that is HTTP but cannot be passed on as a final answer (an interim or invalid status). */
    static UpstreamFailure badAnswer(String why) {
        return new UpstreamFailure(502, "bad_gateway", "the legacy app gave an answer that cannot be passed on",
                new java.io.IOException(why));
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The underlying reason in one line, for the log (Helidon's parser messages carry hex dumps). */
    String reason() {
        Throwable root = getCause();
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().lines().findFirst().orElse("").strip();
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
