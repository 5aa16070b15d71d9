package dev.resident.web;

/** An error answer of the HTTP API, {@code {"error":{"code","message"}}} with its status. */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final long retryAfterSeconds;

    public ApiError(int status, String code, String message) {
        this(status, code, message, 0);
    }

    private ApiError(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429 {@code rate_limited} with {@code Retry-After: seconds} (at least 1). */
    public static ApiError rateLimited(String message, long seconds) {
        return new ApiError(429, "rate_limited", message, Math.max(1, seconds));
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

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The {@code Retry-After} of the answer in seconds; 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
