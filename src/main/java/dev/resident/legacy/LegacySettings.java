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
 * @param spool          where request bodies and answers wait on disk for the slower side ({@code legacy.spool})
 */
public record LegacySettings(URI upstream, List<String> paths, Duration connectTimeout, Duration timeout,
                             long maxBody, Spool spool) {
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
     * Where request bodies wait until they are whole, and answers until the client takes them, beyond
     * what they may hold in memory ({@link SpooledBody#IN_MEMORY}, {@link AnswerSpool#IN_MEMORY}).
     *
     * @param dir        a directory of their own; empty: a new one under {@code java.io.tmpdir}
     * @param maxDisk    what they may hold on disk at once, process-wide
     * @param perAddress what those of one client address may hold of it
     */
    public record Spool(Optional<Path> dir, long maxDisk, long perAddress) {
        public Spool {
            if (maxDisk <= 0 || perAddress <= 0) {
                throw new IllegalArgumentException("legacy.spool.max-disk and per-address must be positive");
            }
        }
    }

    private static void positive(Duration duration, String key) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("legacy." + key + " must be positive");
        }
    }
}
