package dev.resident.load.net;

/** What an {@link HttpLink}'s owner hears, on the loop thread. */
public interface HttpListener {
    /** The request in flight got its complete response, with this status. */
    void onResponse(HttpLink link, int status);

    /**
     * The connection is gone (refused, reset, or closed by the server).
     *
     * @param requestLost whether a request was in flight
     */
    void onClosed(HttpLink link, Throwable cause, boolean requestLost);
}
