package dev.resident.legacy;

import dev.resident.web.ConnectionCookie;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Keeps Resident's session cookie ({@code rsd_cid}, and over HTTPS {@code __Host-rsd_cid})
 * between the browser and Resident: the legacy app
 * neither sees it (it is a session credential) nor sets it (no session fixation through the
 * legacy app). Every other cookie passes both ways untouched.
 */
final class SessionCookie {
    private SessionCookie() {
    }

    /** The {@code Cookie} header values without Resident's session cookie, joined; empty when nothing is left. */
    static Optional<String> strip(List<String> cookieHeaders) {
        String kept = cookieHeaders.stream()
                .flatMap(header -> Arrays.stream(header.split(";")))
                .map(String::trim)
                .filter(pair -> !pair.isEmpty() && !isSessionCookie(name(pair)))
                .collect(Collectors.joining("; "));
        return kept.isEmpty() ? Optional.empty() : Optional.of(kept);
    }

    /**
     * True when a {@code Set-Cookie} value would set Resident's own cookie, also as a nameless
     * cookie ({@code =rsd_cid=x}), whose value alone browsers send back: {@code rsd_cid=x}.
     */
    static boolean isResidents(String setCookie) {
        String pair = setCookie.split(";", 2)[0];
        String name = name(pair);
        if (name.isEmpty() && pair.indexOf('=') >= 0) {
            name = name(pair.substring(pair.indexOf('=') + 1));
        }
        return isSessionCookie(name);
    }

    private static boolean isSessionCookie(String name) {
        return ConnectionCookie.NAME.equals(name) || ConnectionCookie.HOST_NAME.equals(name);
    }

    private static String name(String pair) {
        int eq = pair.indexOf('=');
        return (eq < 0 ? pair : pair.substring(0, eq)).trim();
    }
}
