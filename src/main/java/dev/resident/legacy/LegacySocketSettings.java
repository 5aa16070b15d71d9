package dev.resident.legacy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How the legacy app's WebSocket (Genropy's gnrasync) is passed through.
 *
 * @param upstream        {@code http://host:port} of the legacy socket server ({@code legacy.ws-upstream},
 *                        by default {@code legacy.upstream}); the socket is opened there as {@code ws://}
 * @param paths           exact request paths tunnelled to it ({@code legacy.ws-paths}); empty: none
 * @param connectTimeout  limit of the opening handshake with the legacy socket server
 * @param sendTimeout     longest wait for the legacy socket server to take one message ({@code legacy.timeout})
 * @param closeTimeout    how long a closing side may take to answer the close before it is cut
 *                        ({@code resident.ws.close-timeout})
 * @param maxMessageBytes larger messages from a browser close both sides with 1009 ({@code resident.limits.max-ws-message})
 * @param allowedOrigins  origins accepted besides the server's own ({@code resident.ws.allowed-origins})
 */
public record LegacySocketSettings(URI upstream, List<String> paths, Duration connectTimeout, Duration sendTimeout,
                                   Duration closeTimeout,                                   int maxMessageBytes,
                                   Set<String> allowedOrigins) {
    public static final List<String> DEFAULT_PATHS = List.of("/websocket");

    public LegacySocketSettings {
        paths = List.copyOf(paths);
        allowedOrigins = Set.copyOf(allowedOrigins);
        if (!"http".equals(upstream.getScheme()) || upstream.getHost() == null) {
            throw new IllegalArgumentException("legacy.ws-upstream must be http://host:port, not " + upstream);
        }
        for (String path : paths) {
            if (!path.startsWith("/") || path.contains("//") || path.contains("?") || path.contains("*")
                    || path.contains("{")) {
                throw new IllegalArgumentException("legacy.ws-paths: a path is an exact path like /websocket, not " + path);
            }
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero() || sendTimeout.isNegative() || sendTimeout.isZero()
                || closeTimeout.isNegative() || closeTimeout.isZero()
                || maxMessageBytes <= 0) {
            throw new IllegalArgumentException("legacy sockets need positive timeouts and message limit");
        }
    }
}
