package dev.resident.web;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.util.Set;

/**
 * The server's only HTTP/1 connection selector ({@link ConnectionWatch#install}): it is handed
 * each connection as it is accepted, before its first byte, lets the watch admit it, and runs
 * Helidon's own HTTP/1 connection (WebSocket upgrades included) over a {@link WatchedContext},
 * which the server's stop interrupts only between requests ({@link StopSafeConnection}).
 */
final class WatchedSelector implements ServerConnectionSelector {
    private static final String HTTP_1_1 = " HTTP/1.1\r";
    private final ConnectionWatch watch;
    private final Http1Config http1;
    private volatile ServerConnectionSelector helidon;

    WatchedSelector(ConnectionWatch watch, Http1Config http1) {
        this.watch = watch;
        this.http1 = http1;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        // Helidon's HTTP/1 rule; only asked when another selector is configured beside this one
        int lf = data.indexOf((byte) '\n');
        if (lf == -1) {
            return data.available() <= http1.maxPrologueLength() ? Support.SUPPORTED : Support.UNSUPPORTED;
        }
        return data.readString(lf).endsWith(HTTP_1_1) ? Support.SUPPORTED : Support.UNSUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of("http/1.1");
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        ConnectionWatch.Watched watched = watch.accepted(ctx);
        return new StopSafeConnection(helidon(ctx.listenerContext().config()).connection(new WatchedContext(ctx, watched)),
                watched);
    }

    /** Helidon's HTTP/1 selector with the upgrades (WebSocket) configured on the listener. */
    private ServerConnectionSelector helidon(ListenerConfig listener) {
        ServerConnectionSelector selector = helidon;
        if (selector == null) {
            synchronized (this) {
                if (helidon == null) {
                    helidon = new Http1ConnectionProvider().create(listener.name(), http1,
                            ProtocolConfigs.create(listener.protocols()));
                }
                selector = helidon;
            }
        }
        return selector;
    }
}
