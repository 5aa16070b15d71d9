package dev.resident.legacy;

/** The client went away while its request or answer was being relayed: nothing is left to answer. */
final class ClientGone extends RuntimeException {
    ClientGone(Throwable cause) {
        super("client connection lost", cause, false, false);
    }
}
