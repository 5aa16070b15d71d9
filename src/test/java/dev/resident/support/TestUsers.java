package dev.resident.support;

import dev.resident.registry.PasswordHash;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Users a test configures for its servers ({@code resident.users}), instead of the demo users of
 * the packaged config: every user's password is {@link #PASSWORD}.
 */
public final class TestUsers {
    public static final String PASSWORD = "test-password";
    private static final String HASH = PasswordHash.create(PASSWORD);

    private TestUsers() {
    }

    /** Config overrides that define {@code names}, the first with the role {@code admin} when {@code firstIsAdmin}. */
    public static Map<String, String> config(boolean firstIsAdmin, List<String> names) {
        Map<String, String> config = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            config.put("resident.users." + i + ".name", names.get(i));
            config.put("resident.users." + i + ".password-hash", HASH);
            if (i == 0 && firstIsAdmin) {
                config.put("resident.users." + i + ".roles.0", "admin");
            }
        }
        return config;
    }
}
