package dev.resident.page;

/**
 * A request the page refuses, with the protocol error code and HTTP status it maps to. Page code
 * throws {@link #unprocessable(String)} when its params are wrong; stack traces are not kept
 * because these are answers, not bugs.
 */
public class PageException extends RuntimeException {
    private final String code;
    private final int status;
    private long retryAfterSeconds;

    public PageException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    /** The params of a page method (or of the open hook) were rejected: 422 {@code unprocessable}. */
    public static PageException unprocessable(String message) {
        return new PageException(422, "unprocessable", message);
    }

    public static PageException unknownMethod(String method) {
        return new PageException(404, "unknown_method", "unknown method " + method);
    }

    public static PageException unknownPage() {
        return new PageException(404, "unknown_page", "unknown page");
    }

    /**
     * A call that ran while a login, a logout or another identity took its session: its answer,
     * and what the page sent meanwhile, are for whoever holds the session now. Not
     * {@code unavailable}, which tells a client that the call did not run and may go again.
     */
    public static PageException sessionChanged() {
        return new PageException(409, "session_changed",
                "the session changed while the call ran: it ran, and its answer is for whoever holds the session now");
    }

    /**
     * The session changed hands (a login, a logout, another identity) while a request waited or
     * read, before anything of it went back: 503 {@code unavailable}, so the client asks again with
     * the cookie it holds now. What happened meanwhile is for whoever holds the session now.
     *
     * @param what what the request was doing, e.g. "the poll waited"
     */
    public static PageException sessionChangedWhile(String what) {
        return new PageException(503, "unavailable", "the session changed while " + what + "; try again")
                .retryAfter(1); // the client holds the new cookie already
    }

    public static PageException rateLimited(String message) {
        return new PageException(429, "rate_limited", message);
    }

    /**
     * Adds {@code Retry-After: seconds} to the answer (a 503 has 5 by default): what a client waits
     * before it asks again ({@code resident.js} waits at least that), shorter for a state of moments.
     */
    public PageException retryAfter(long seconds) {
        retryAfterSeconds = seconds;
        return this;
    }

    /** Seconds of {@code Retry-After}, 0 for the default (5 on a 503, none otherwise). */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }
}
