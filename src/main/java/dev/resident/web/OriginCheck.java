package dev.resident.web;

import java.net.URI;
import java.util.Set;

/** Cross-site WebSocket hijacking guard: the Origin must be the server itself or allow-listed. */
public final class OriginCheck {
    private OriginCheck() {
    }

    /** True for no Origin (not a browser), the same host:port as {@code Host}, or a listed origin. */
    public static boolean allowed(String origin, String host, Set<String> allowList) {
        if (origin == null) {
            return true;
        }
        if (allowList.contains(origin)) {
            return true;
        }
        try {
            URI uri = URI.create(origin);
            String authority = uri.getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
