package dev.resident.ops;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel setting that bounds what a client that reads nothing holds of the machine's TCP
 * memory: {@code net.ipv4.tcp_notsent_lowat} (IPv6 too). Unset, as Linux ships, a socket's send
 * buffer grows to {@code tcp_wmem}'s largest (4 MB) and a write that fits returns at once: a
 * connection that pipelined requests and reads none of their answers holds ~2.4 MB of kernel
 * memory, no write of it ever waits, so the per-address stalled-writes cap never sees it, and one
 * address's connections can put the whole machine's TCP under memory pressure. At 128 KB a write
 * waits once that much is unsent, the stalled-writes cap sees it, and a kept connection holds
 * ~160 KB (bench/README.md, "Thirty-sixth session"). A process cannot set it (root, for the whole
 * machine): {@code deploy/sysctl.d/60-resident.conf} does; this says at start when it is missing.
 */
public final class KernelTcpSettings {
    /** What deploy/sysctl.d/60-resident.conf sets. */
    static final long RECOMMENDED_NOTSENT_LOWAT = 131_072;
    /** Larger than this, a client that reads nothing holds more than the stalled-writes cap assumes. */
    private static final long MOST_NOTSENT_LOWAT = 1 << 20;
    private static final Path NOTSENT_LOWAT = Path.of("/proc/sys/net/ipv4/tcp_notsent_lowat");

    private KernelTcpSettings() {
    }

    /**
     * The warning to log at start for a server listening on {@code host}: none on a loopback
     * address (only this machine's clients), nor where the setting cannot be read (not Linux).
     */
    public static Optional<String> warning(String host) {
        if (loopback(host)) {
            return Optional.empty();
        }
        return notSentLowat().filter(lowat -> lowat > MOST_NOTSENT_LOWAT).map(lowat ->
                "net.ipv4.tcp_notsent_lowat is " + lowat + ": a client that reads none of its answers holds up"
                        + " to 4 MB of kernel memory a connection, unseen by the stalled-writes cap; set it to "
                        + RECOMMENDED_NOTSENT_LOWAT + " (as root: deploy/sysctl.d/60-resident.conf, docs/deploy.md)");
    }

    private static Optional<Long> notSentLowat() {
        try {
            return Optional.of(Long.parseLong(Files.readString(NOTSENT_LOWAT).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
