package dev.resident.web;

import io.helidon.common.Weight;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.spi.Http1RoutedUpgrade;
import io.helidon.webserver.http1.spi.Http1RoutedUpgrader;
import io.helidon.webserver.http1.spi.Http1UpgradeProvider;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsUpgrader;

import java.util.Optional;

/**
 * Helidon 4.5's WebSocket upgrade, with its origin check left to Resident. Helidon 4.5 refuses
 * an upgrade whose {@code Origin} is not the {@code Host} with a bare 403, which would also
 * refuse the origins of {@code resident.ws.allowed-origins}; {@link PageSocket} applies Resident's
 * rule instead (its own host or a listed origin, else close 1008, which {@code resident.js}
 * understands as "use long-poll"). Everything else (method, key, version) is Helidon's. Helidon
 * sees the headers without {@code Origin}; the listener gets the origin under {@link #ORIGIN_COPY}
 * (a client's own header of that name is always dropped, so it only ever carries the real one).
 * Registered as a service with a higher weight than Helidon's own provider, so it wins.
 */
@Weight(200)
public final class OriginDeferringUpgradeProvider implements Http1UpgradeProvider<WsConfig> {
    /** Where {@link PageSocket} and the legacy socket tunnel find the client's {@code Origin}. */
    public static final HeaderName ORIGIN_COPY = HeaderNames.create("X-Resident-Ws-Origin");

    @Override
    public String protocolType() {
        return "websocket";
    }

    @Override
    public Class<WsConfig> protocolConfigType() {
        return WsConfig.class;
    }

    @Override
    public Upgrader create(WsConfig config, ProtocolConfigs configs) {
        return new Upgrader((Http1RoutedUpgrader) WsUpgrader.create(config));
    }

    /** Hands Helidon the request headers without {@code Origin}; the listener still sees them all. */
    static final class Upgrader implements Http1RoutedUpgrader {
        private final Http1RoutedUpgrader helidon;

        Upgrader(Http1RoutedUpgrader helidon) {
            this.helidon = helidon;
        }

        @Override
        public String supportedProtocol() {
            return helidon.supportedProtocol();
        }

        @Override
        public ServerConnection upgrade(ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
            return helidon.upgrade(ctx, prologue, withoutOrigin(headers));
        }

        @Override
        public Optional<Http1RoutedUpgrade> routedUpgrade(ConnectionContext ctx, HttpPrologue prologue,
                                                         WritableHeaders<?> headers) {
            return helidon.routedUpgrade(ctx, prologue, withoutOrigin(headers))
                    .map(upgrade -> (response, requestHeaders) -> upgrade.upgrade(response, withoutOrigin(requestHeaders)));
        }

        /** A copy without {@code Origin}, which moves to {@link #ORIGIN_COPY}. */
        private static WritableHeaders<?> withoutOrigin(Headers headers) {
            WritableHeaders<?> copy = WritableHeaders.create(headers);
            copy.remove(ORIGIN_COPY);
            copy.remove(HeaderNames.ORIGIN, origin -> copy.set(ORIGIN_COPY, origin.allValues()));
            return copy;
        }
    }
}
