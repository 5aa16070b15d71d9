package dev.resident.registry;

import java.util.List;
import java.util.Optional;

/**
 * Finds who a request is from a session it carries besides Resident's own cookie, such as the
 * legacy app's session cookie: one login for both apps. With one installed, a connection follows
 * it on every request: the identity it finds, or a guest when it finds none.
 */
@FunctionalInterface
public interface SessionAuthenticator {

    /**
     * The identity proven by the request's {@code Cookie} header values; empty when they prove
     * none (no session, an ended one, or the session's owner cannot be asked).
     */
    Optional<Identity> identify(List<String> cookieHeaders);
}
