package dev.resident.web;

import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.websocket.WsSession;

import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * Helidon's connection context with a reader that shows {@link ConnectionWatch} every chunk of
 * bytes the connection reads (Helidon 4.5 calls no listener for received data), and a writer that
 * shows it how long each write waits for the client ({@link WatchedWriter}).
 */
final class WatchedContext implements ConnectionContext {
    private final ConnectionContext delegate;
    private final ConnectionWatch.Watched watched;
    private final DataReader reader;
    private final DataWriter writer;

    WatchedContext(ConnectionContext delegate, ConnectionWatch.Watched watched) {
        this.delegate = delegate;
        this.watched = watched;
        DataReader original = delegate.dataReader();
        HelidonSocket socket = delegate.serverSocket();
        this.writer = new WatchedWriter(delegate.dataWriter(), watched);
        this.reader = DataReader.create(() -> {
            if (original.available() == 0 && watched.closing()) {
                return null; // answered with Connection: close: the end, as if the client had closed
            }
            byte[] bytes = original.available() > 0 ? original.readBytes(original.available()) : read(socket);
            if (bytes != null) {
                watched.received(bytes);
            }
            return bytes;
        });
    }

    /**
     * Reads the socket itself once Helidon's reader has handed over what it read while choosing the
     * protocol: an idle connection's parked reader is then four frames shallower (~0.5 KB less stack).
     */
    private static byte[] read(HelidonSocket socket) {
        try {
            return socket.get();
        } catch (UncheckedIOException e) {
            throw new ServerConnectionException("Failed to get data from socket", e); // as Helidon's own reader
        }
    }

    /**
     * Runs {@code action} once the connection under {@code session} is over, however it ended (a
     * client gone without a close frame included, which Helidon 4.5 tells its listener nothing of).
     */
    static void whenEnded(WsSession session, Runnable action) {
        if (session.socketContext() instanceof WatchedContext watched) {
            watched.watched.whenEnded(action);
        }
    }

    ConnectionWatch.Watched watched() {
        return watched;
    }

    @Override
    public DataReader dataReader() {
        return reader;
    }

    @Override
    public ListenerContext listenerContext() {
        return delegate.listenerContext();
    }

    @Override
    public ExecutorService executor() {
        return delegate.executor();
    }

    @Override
    public DataWriter dataWriter() {
        return writer;
    }

    @Override
    public Router router() {
        return delegate.router();
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return delegate.proxyProtocolData();
    }

    @Override
    public HelidonSocket serverSocket() {
        return delegate.serverSocket();
    }

    @Override
    public PeerInfo remotePeer() {
        return delegate.remotePeer();
    }

    @Override
    public PeerInfo localPeer() {
        return delegate.localPeer();
    }

    @Override
    public boolean isSecure() {
        return delegate.isSecure();
    }

    @Override
    public String socketId() {
        return delegate.socketId();
    }

    @Override
    public String childSocketId() {
        return delegate.childSocketId();
    }
}
