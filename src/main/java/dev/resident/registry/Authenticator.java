package dev.resident.registry;

import java.util.Optional;

/** Checks credentials given to {@code POST /_/login}; plug in another to use a user database. */
@FunctionalInterface
public interface Authenticator {

    /** The identity for these credentials, or empty when they are wrong. */
    Optional<Identity> authenticate(String user, String password);
}
