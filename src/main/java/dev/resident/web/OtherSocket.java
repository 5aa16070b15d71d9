package dev.resident.web;

/**
 * A WebSocket that is not a page's (the legacy app's, tunnelled), as the socket caps see it: in a
 * full process it may be asked to give its place to another client's socket, as a page socket is
 * ({@code max-sockets}: the address holding the most gives one up).
 */
public interface OtherSocket {

    /** Whether it is closing already (then it is not asked again). */
    boolean isClosing();

    /**
     * Closes it with {@code code} so that another client's socket takes its place; it gives its
     * place back as at any end ({@link SocketAdmission#release}).
     */
    void giveWay(int code, String reason);
}
