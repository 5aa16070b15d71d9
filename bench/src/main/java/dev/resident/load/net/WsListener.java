package dev.resident.load.net;

/** What a {@link WsLink}'s owner hears, on the loop thread. */
public interface WsListener {
    /** The upgrade succeeded. */
    void onOpen(WsLink link);

    /** A complete text message, as UTF-8 in {@code buf[from, to)}, valid only during the call. */
    void onText(WsLink link, byte[] buf, int from, int to);

    /**
     * The socket is gone.
     *
     * @param code the server's close code, the HTTP status of a refused upgrade, or -1 when the
     *             connection broke (then {@code cause} says why)
     */
    void onClosed(WsLink link, int code, Throwable cause);
}
