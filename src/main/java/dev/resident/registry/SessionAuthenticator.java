package dev.resident.registry;

import java.time.Duration;
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
     * none (no session, or an ended one).
     *
     * @param clientAddress the client's address as the per-address limits key it (behind a trusted
     *                      balancer, the client it forwarded for): what one client may take at
     *                      once of what asking costs is counted by it
     * @throws Unanswered when the session's owner cannot be asked now
     */
    Optional<Identity> identify(List<String> cookieHeaders, String clientAddress);

    /**
     * What names the session the request's {@code Cookie} header values carry, as a digest (never
     * the cookie itself), or null when they carry none. The outage grace ({@link #outageGrace})
     * holds only for a request carrying the session that last proved the identity: whoever else
     * holds Resident's session id cannot ride it by making the question fail.
     */
    default String fingerprint(List<String> cookieHeaders) {
        return null;
    }

    /**
     * How long a connection keeps the identity last proven while the session's owner cannot be
     * asked: an outage of another app must not log everyone out, and a session it ended must not
     * live on for long either. Only for requests with the same {@link #fingerprint}.
     */
    default Duration outageGrace() {
        return Duration.ZERO;
    }

    /**
     * How often an open socket asks its session again ({@link Duration#ZERO}: never): a request
     * follows the session at once, but a socket sends none, and a logout in the other app must
     * reach it too.
     */
    default Duration socketRecheck() {
        return Duration.ZERO;
    }

    /** The session's owner could not say who it is (unreachable, too slow, a malformed answer). */
    final class Unanswered extends RuntimeException {
        public Unanswered(String message) {
            super(message, null, false, false);
        }
    }
}
