package dev.resident.load.net;

/** What an {@link HttpLink}'s owner hears, on the loop thread. */
public interface HttpListener {
    /** A complete response to the request in flight; {@code response} is valid only during the call. */
    void onResponse(HttpLink link, HttpResponse response);

    /**
     * The connection is gone (refused, reset, or closed by the server).
     *
     * @param requestLost whether a request was in flight
     */
    void onClosed(HttpLink link, Throwable cause, boolean requestLost);
}
