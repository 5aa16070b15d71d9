package dev.resident.bus.nats;

import dev.resident.bus.BusNames;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/** The subjects of one site, under its prefix (see the package documentation for the encoding). */
final class Subjects {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final int LOGGED = 120;
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

    /** A subject for a log line: at most {@value #LOGGED} characters of it. */
    static String forLog(String subject) {
        return subject == null || subject.length() <= LOGGED ? subject
                : subject.substring(0, LOGGED) + "…(" + subject.length() + " chars)";
    }

    String broadcast() {
        return prefix + ".system.broadcast";
    }

    /** The session ids that logins and logouts replaced. */
    String sessions() {
        return prefix + ".system.sessions";
    }

    /**
     * One subject token for any name (bounded by {@link BusNames}, else IllegalArgumentException): readable names stay as they are, others become {@code ~} and
     * their base64url, which can hold neither {@code ~} nor a separator or wildcard.
     */
    static String token(String name) {
        BusNames.check("subject", name);
        return PLAIN.matcher(name).matches() ? name
                : "~" + BASE64URL.encodeToString(name.getBytes(StandardCharsets.UTF_8));
    }
}
