package dev.resident.web;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/** Cross-site WebSocket hijacking guard: the Origin must be the server itself or allow-listed. */
public final class OriginCheck {
    private OriginCheck() {
    }

    /**
     * True for no Origin (not a browser), a listed origin, or an {@code http} or {@code https}
     * origin of the same host:port as {@code Host}.
     */
    public static boolean allowed(String origin, String host, Set<String> allowList) {
        return allowed(origin, host, allowList, false);
    }

    /**
     * Like {@link #allowed(String, String, Set)}, for a request known to have come over HTTPS (itself
     * or through a trusted balancer): the same host's origin must be {@code https} too, so a page
     * served on the plain-HTTP side of the name (a network attacker's) is another site.
     */
    public static boolean allowed(String origin, String host, Set<String> allowList, boolean https) {
        if (origin == null) {
            return true;
        }
        if (allowList.contains(origin)) {
            return true;
        }
        try {
            URI uri = URI.create(origin);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String authority = uri.getRawAuthority();
            boolean sameScheme = https ? scheme.equals("https") : scheme.equals("http") || scheme.equals("https");
            return sameScheme && authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
