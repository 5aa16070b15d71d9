package dev.resident.web;

import io.helidon.http.Headers;

import java.net.SocketAddress;
import java.util.Optional;

/**
 * Admission of a WebSocket that is not a page's (the legacy app's, tunnelled) under the same caps
 * as the page sockets: the process's {@code max-sockets} counts both, and so does each client
 * address's {@code per-address.sockets}.
 */
public interface SocketAdmission {

    /**
     * The client's address key when the socket may open (give it back with {@link #release} once
     * the socket is gone), or empty when a cap refuses it (close it with 1013).
     *
     * @param peer    the socket's TCP peer
     * @param headers the upgrade request's headers (a trusted proxy's forwarded client)
     * @param socket  the socket, which a full process may ask to give way to another client's
     */
    Optional<String> admit(SocketAddress peer, Headers headers, OtherSocket socket);

    /** The {@code socket} admitted for {@code address} is gone. */
    void release(String address, OtherSocket socket);
}
