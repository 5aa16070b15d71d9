package dev.resident.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.HashSet;
import java.util.Set;

/**
 * A TCP link from one process to a server (its NATS connection) that a test cuts and mends, as a
 * network that loses one process for a moment would: cut, every connection through it closes and
 * a new one is closed at once; mended, connections go through again. A process whose link to
 * NATS is cut misses what core NATS sends meanwhile (README, "When NATS goes away").
 */
public final class CuttableLink implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final int targetPort;
    /** Both ends of every connection through the link; guarded by {@code this}, with {@link #cut}. */
    private final Set<Socket> open = new HashSet<>();
    private boolean cut;

    /** A link to the server at {@code url} ({@code nats://127.0.0.1:4222}). */
    public CuttableLink(String url) throws IOException {
        this.targetPort = URI.create(url).getPort();
        Thread.ofVirtual().name("cuttable-link").start(this::accept);
    }

    /** The URL to give the process instead of the server's. */
    public String url() {
        return "nats://127.0.0.1:" + listener.getLocalPort();
    }

    /** Closes every connection through the link, and each new one until {@link #mend}. */
    public synchronized void cut() {
        cut = true;
        open.forEach(CuttableLink::closeQuietly);
        open.clear();
    }

    /** Lets connections through again. */
    public synchronized void mend() {
        cut = false;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = connected(client);
                if (server != null) {
                    Thread.ofVirtual().start(() -> pump(client, server));
                    Thread.ofVirtual().start(() -> pump(server, client));
                }
            } catch (IOException closed) {
                return; // the test is over
            }
        }
    }

    /** The server's end for {@code client}, or null when the link is cut (the client's end is closed). */
    private synchronized Socket connected(Socket client) {
        if (cut) {
            closeQuietly(client);
            return null;
        }
        try {
            Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            open.add(client);
            open.add(server);
            return server;
        } catch (IOException e) {
            closeQuietly(client);
            return null;
        }
    }

    private void pump(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // cut, or one end closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            synchronized (this) {
                open.remove(from);
                open.remove(to);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }

    @Override
    public void close() throws IOException {
        cut();
        listener.close();
    }
}
