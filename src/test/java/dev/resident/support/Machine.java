package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The machine the tests run on: free ports and the programs installed by {@code deploy/prerequisites}. */
public final class Machine {
    private Machine() {
    }

    /** A TCP port on 127.0.0.1 that is free now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path of {@code name} ({@code nats-server}, {@code haproxy}, ...) from the PATH or Debian's /usr/sbin. */
    public static String program(String name) {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")), Stream.of("/usr/sbin"))
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst()
                .map(Path::toString)
                .orElseThrow(() -> new IllegalStateException(name + " not found: run deploy/prerequisites"));
    }
}
