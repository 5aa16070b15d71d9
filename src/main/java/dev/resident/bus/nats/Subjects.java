package dev.resident.bus.nats;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/** The subjects of one site, under its prefix (see the package documentation for the encoding). */
final class Subjects {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private final String prefix;

    Subjects(String prefix) {
        this.prefix = prefix;
    }

    /** Where dbevents of {@code table} go. */
    String table(String table) {
        return prefix + ".dbevent." + token(table);
    }

    /** Where notifications of {@code user} go. */
    String user(String user) {
        return prefix + ".user." + token(user) + ".notify";
    }

    /** Every user's notifications. */
    String allUsers() {
        return prefix + ".user.*.notify";
    }

    String broadcast() {
        return prefix + ".system.broadcast";
    }

    /**
     * One subject token for any name: readable names stay as they are, others become {@code ~} and
     * their base64url, which can hold neither {@code ~} nor a separator or wildcard.
     */
    static String token(String name) {
        return PLAIN.matcher(name).matches() ? name
                : "~" + BASE64URL.encodeToString(name.getBytes(StandardCharsets.UTF_8));
    }
}
