package dev.resident.registry;

import dev.resident.id.Ids;

import java.util.Set;

/**
 * Who a connection acts as.
 *
 * @param user  user id; a guest's is {@code guest_} and a random public id, never its session id
 * @param guest whether nobody logged in
 * @param roles roles granted by the authenticator (e.g. {@code admin})
 */
public record Identity(String user, boolean guest, Set<String> roles) {

    /** A new guest, with a public id of its own. */
    static Identity newGuest() {
        return new Identity(Ids.guestUser(Ids.newId()), true, Set.of());
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
