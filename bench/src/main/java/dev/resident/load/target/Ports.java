package dev.resident.load.target;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Free loopback ports and waiting for a server to listen. */
final class Ports {
    private Ports() {
    }

    /** A port that is free, together with the next one (the legacy peer uses PORT+1). */
    static int freePair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = socket.getLocalPort();
            }
            if (port < 65_535 && free(port + 1)) {
                return port;
            }
        }
        throw new IOException("no pair of free ports");
    }

    /** Waits until something accepts connections on {@code port}. */
    static void awaitListening(int port, Process process, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IOException("server exited with " + process.exitValue() + " before listening");
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IOException("nothing listens on port " + port + " after " + timeoutMillis + " ms");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
