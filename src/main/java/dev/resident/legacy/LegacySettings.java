package dev.resident.legacy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How Resident mounts the legacy WSGI app (the {@code legacy} config node).
 *
 * @param upstream       {@code http://host:port} of the legacy app (gunicorn, beside Resident: plain HTTP);
 *                       no path, query or user info
 * @param paths          path prefixes forwarded to it; {@code /} is every path that is not Resident's own
 * @param connectTimeout limit of opening a connection to the legacy app
 * @param timeout        longest wait for the legacy app's answer, and then for each piece of its body
 * @param maxBody        larger request bodies get 413 {@code too_large}
 * @param uploads        where request bodies wait on disk until they are whole ({@code legacy.uploads})
 */
public record LegacySettings(URI upstream, List<String> paths, Duration connectTimeout, Duration timeout,
                             long maxBody, Uploads uploads) {
    public static final List<String> DEFAULT_PATHS = List.of("/");

    public LegacySettings {
        paths = List.copyOf(paths);
        if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null) {
            throw new IllegalArgumentException("legacy.upstream must be http://host:port, not " + upstream);
        }
        String path = upstream.getRawPath();
        if (!(path == null || path.isEmpty() || path.equals("/")) || upstream.getRawQuery() != null
                || upstream.getRawUserInfo() != null || upstream.getRawFragment() != null) {
            throw new IllegalArgumentException("legacy.upstream takes no path, query or user info: " + upstream);
        }
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("legacy.paths needs at least one path prefix");
        }
        positive(connectTimeout, "connect-timeout");
        positive(timeout, "timeout");
        if (maxBody <= 0) {
            throw new IllegalArgumentException("legacy.max-body must be positive");
        }
    }

    /**
     * Where request bodies larger than {@link SpooledBody#IN_MEMORY} wait until they are whole.
     *
     * @param dir        a directory of their own; empty: a new one under {@code java.io.tmpdir}
     * @param maxDisk    what they may hold on disk at once, process-wide; beyond 503 {@code unavailable}
     * @param perAddress what those of one client address may hold of it; beyond 429 {@code rate_limited}
     */
    public record Uploads(Optional<Path> dir, long maxDisk, long perAddress) {
        public Uploads {
            if (maxDisk <= 0 || perAddress <= 0) {
                throw new IllegalArgumentException("legacy.uploads.max-disk and per-address must be positive");
            }
        }
    }

    private static void positive(Duration duration, String key) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("legacy." + key + " must be positive");
        }
    }
}
