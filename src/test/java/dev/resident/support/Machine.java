package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** The machine the tests run on: free ports and the programs installed by {@code deploy/prerequisites}. */
public final class Machine {
    private Machine() {
    }

    /** How many ports below the kernel's ephemeral range the tests hand out. */
    private static final int SPAN = 10_000;
    /**
     * The test JVMs Maven runs side by side ({@code surefire.forkNumber} of {@code forkCount}, set in
     * the pom), each handing out ports from its own part of the span, so that two of them never
     * both find the same port free and start servers on it.
     */
    private static final int FORKS = Integer.getInteger("resident.test.forks", 1);
    private static final int FORK = Math.floorMod(Integer.getInteger("resident.test.fork", 1) - 1, FORKS);
    private static final int PART = SPAN / FORKS;
    private static final int EPHEMERAL_LOW = ephemeralLow();
    private static final AtomicInteger NEXT = new AtomicInteger((int) (ProcessHandle.current().pid() * 7919 % PART));

    /**
     * A TCP port on 127.0.0.1 that is free now, for a server a test starts itself. It is taken
     * below the kernel's ephemeral range, so no client connection (ours or another program's) can
     * be given it as its own port before the server binds it; ports are handed out in turn, so one
     * test run never gets the same port twice while others are free.
     */
    public static int freePort() {
        if (EPHEMERAL_LOW <= SPAN) {
            return anyFreePort();
        }
        for (int tries = 0; tries < PART; tries++) {
            int port = EPHEMERAL_LOW - SPAN + FORK * PART + Math.floorMod(NEXT.getAndIncrement(), PART);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // a running service listens there: try the next
            }
        }
        return anyFreePort();
    }

    private static int anyFreePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first port the kernel gives client connections (Linux: {@code ip_local_port_range}), or 0 when unknown. */
    private static int ephemeralLow() {
        try {
            // line by line: JDK 25's readString returns only the first byte of a /proc/sys file (size 0)
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0)
                    .trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException unknown) {
            return 0;
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
