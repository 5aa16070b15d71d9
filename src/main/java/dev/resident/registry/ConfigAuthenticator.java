package dev.resident.registry;

import io.helidon.config.Config;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default authenticator: users listed in config ({@code resident.users}) with salted
 * password hashes and roles.
 *
 * <pre>
 * users:
 *   - name: alice
 *     password-hash: pbkdf2-sha256$120000$...
 *     roles: [admin]
 * </pre>
 */
public final class ConfigAuthenticator implements Authenticator {
    // burns the same time for unknown users as for known ones
    private static final String DECOY = PasswordHash.create("decoy");
    private final Map<String, ConfiguredUser> users = new ConcurrentHashMap<>();

    /** The users of a list node such as {@code resident.users}. */
    public ConfigAuthenticator(Config usersNode) {
        this(usersNode.asNodeList().orElse(java.util.List.of()));
    }

    /** The users of these nodes (each with {@code name}, {@code password-hash}, {@code roles}). */
    public ConfigAuthenticator(java.util.List<Config> userNodes) {
        for (Config user : userNodes) {
            String name = user.get("name").asString().get();
            String hash = user.get("password-hash").asString().get();
            Set<String> roles = new HashSet<>(user.get("roles").asList(String.class).orElse(java.util.List.of()));
            users.put(name, new ConfiguredUser(hash, Set.copyOf(roles)));
        }
    }

    @Override
    public Optional<Identity> authenticate(String user, String password) {
        ConfiguredUser known = users.get(user);
        boolean ok = PasswordHash.matches(password, known == null ? DECOY : known.hash());
        return ok && known != null ? Optional.of(new Identity(user, false, known.roles())) : Optional.empty();
    }

    private record ConfiguredUser(String hash, Set<String> roles) {
    }
}
