package dev.resident.registry;

import dev.resident.id.Ids;

import java.util.Set;

/**
 * Who a connection acts as.
 *
 * @param user  user id ({@code guest_<connection id>} for a guest)
 * @param guest whether nobody logged in
 * @param roles roles granted by the authenticator (e.g. {@code admin})
 */
public record Identity(String user, boolean guest, Set<String> roles) {

    static Identity guest(String connectionId) {
        return new Identity(Ids.guestUser(connectionId), true, Set.of());
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
