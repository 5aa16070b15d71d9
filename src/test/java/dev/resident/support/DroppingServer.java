package dev.resident.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A server that reads what it is sent and closes the connection without an answer, as a crashing one would. */
public final class DroppingServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

    public DroppingServer() throws IOException {
        Thread.ofVirtual().start(this::serve);
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket connection = socket.accept(); InputStream in = connection.getInputStream()) {
                in.read(new byte[8192]); // the request (its head at least) has arrived
            } catch (IOException e) {
                // closed: the test is over
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
