package dev.resident.bus;

import java.nio.charset.StandardCharsets;

/**
 * Bounds on the names that become bus subjects (tables, users): checked before a subject is built
 * or a subscription made, so a hostile name can neither grow a subject without bound nor reach
 * NATS. The records {@link DbEvent} and {@link UserNotice} check them too.
 */
public final class BusNames {
    /** Longest table or user name, in UTF-8 bytes. */
    public static final int MAX_BYTES = 200;

    private BusNames() {
    }

    /**
     * {@code name} when it is a usable table or user name.
     *
     * @param what "table" or "user", for the message
     * @throws IllegalArgumentException when empty or longer than {@link #MAX_BYTES}
     */
    public static String check(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(what + " name is empty");
        }
        if (name.length() > MAX_BYTES || name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException(what + " name longer than " + MAX_BYTES + " bytes");
        }
        return name;
    }
}
