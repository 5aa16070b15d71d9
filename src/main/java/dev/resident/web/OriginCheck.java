package dev.resident.web;

import java.net.URI;
import java.util.Set;

/** Cross-site WebSocket hijacking guard: the Origin must be the server itself or allow-listed. */
public final class OriginCheck {
    private static final int MAX_LOGGED = 120;
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

    /**
     * A header value of a refused upgrade as a log line may show it: at most 120 characters, no
     * control characters or spaces (a client's values, sent as often as it likes).
     */
    public static String forLog(String value) {
        if (value == null) {
            return "-";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_LOGGED));
        for (int i = 0; i < value.length() && out.length() < MAX_LOGGED; i++) {
            char c = value.charAt(i);
            out.append(c <= ' ' || c == 0x7f ? '_' : c);
        }
        return value.length() > MAX_LOGGED ? out + "…" : out.toString();
    }
}
