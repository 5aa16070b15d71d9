package dev.resident.bus;

/**
 * A notice or broadcast larger than the bus can carry to the other processes (NATS's
 * {@code max_payload}, 1 MiB by default): refused whole, delivered nowhere, rather than reaching
 * the pages of this process only. Callers answer it 413 {@code too_large}.
 */
public final class TooLargeForBus extends IllegalArgumentException {
    public TooLargeForBus(String what, long bytes, long most) {
        super(what + " of " + bytes + " bytes is larger than the site's bus carries (" + most + " bytes)");
    }
}
