package dev.resident.web;

/** An error answer of the HTTP API, {@code {"error":{"code","message"}}} with its status. */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private boolean closeConnection;
    private long retryAfterSeconds;

    public ApiError(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    /** 429 {@code rate_limited} with {@code Retry-After: seconds} (at least 1). */
    public static ApiError rateLimited(String message, long seconds) {
        return new ApiError(429, "rate_limited", message).retryAfter(Math.max(1, seconds));
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, "bad_request", message);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "unauthorized", message);
    }

    public static ApiError forbidden(String message) {
        return new ApiError(403, "forbidden", message);
    }

    public static ApiError tooLarge(String message) {
        return new ApiError(413, "too_large", message);
    }

    public static ApiError unavailable(String message) {
        return new ApiError(503, "unavailable", message);
    }

    /** Marks the answer as the connection's last: what follows on it cannot be trusted. */
    public ApiError closingConnection() {
        closeConnection = true;
        return this;
    }

    /** Adds {@code Retry-After: seconds} to the answer. */
    public ApiError retryAfter(long seconds) {
        retryAfterSeconds = seconds;
        return this;
    }

    /** Seconds of {@code Retry-After}, 0 for the default (5 on a 503, none otherwise). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public boolean closesConnection() {
        return closeConnection;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
