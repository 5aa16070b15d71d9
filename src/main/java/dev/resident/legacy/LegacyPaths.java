package dev.resident.legacy;

import java.util.List;

/**
 * Which request paths go to the legacy app: those under one of its prefixes and under none of
 * Resident's own. Prefixes match whole segments: {@code /sys} takes {@code /sys} and
 * {@code /sys/login}, not {@code /system}; {@code /} takes every path.
 */
final class LegacyPaths {
    private final List<String> legacy;
    private final List<String> resident;

    /**
     * @param legacy   the configured prefixes ({@code legacy.paths})
     * @param resident Resident's own prefixes, never forwarded ({@code /_}, {@code /observe})
     * @throws IllegalArgumentException when a legacy prefix is malformed or lies inside Resident's own
     */
    LegacyPaths(List<String> legacy, List<String> resident) {
        this.resident = List.copyOf(resident);
        this.legacy = legacy.stream().map(LegacyPaths::normalize).toList();
        for (String prefix : this.legacy) {
            if (this.resident.stream().anyMatch(own -> under(prefix, own))) {
                throw new IllegalArgumentException("legacy.paths: " + prefix + " belongs to Resident itself");
            }
        }
    }

    /** True when {@code path} (decoded, as routing sees it) goes to the legacy app. */
    boolean forwards(String path) {
        return resident.stream().noneMatch(own -> under(path, own))
                && legacy.stream().anyMatch(prefix -> under(path, prefix));
    }

    private static boolean under(String path, String prefix) {
        return prefix.equals("/") || path.equals(prefix) || path.startsWith(prefix + "/");
    }

    /** {@code /sys/} and {@code /sys} are the same prefix; anything not starting with a slash is a mistake. */
    private static String normalize(String prefix) {
        String trimmed = prefix.trim();
        if (!trimmed.startsWith("/") || trimmed.contains("//") || trimmed.contains("?")) {
            throw new IllegalArgumentException("legacy.paths: a prefix is a path like /sys, not " + prefix);
        }
        return trimmed.length() > 1 && trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }
}
