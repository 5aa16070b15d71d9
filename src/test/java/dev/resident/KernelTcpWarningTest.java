package dev.resident;

import dev.resident.support.MainProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A process that listens beyond loopback says at start when the kernel lets a client that reads
 * nothing hold 4 MB a connection ({@code net.ipv4.tcp_notsent_lowat} unset, as Linux ships), and
 * names the file that sets it; one on loopback only, or on a machine that sets it, says nothing.
 * Each case checks both ways: what it expects follows from the machine's setting as read here.
 */
@Tag("slow")
@Timeout(120)
class KernelTcpWarningTest {
    private static final String WARNING = "net.ipv4.tcp_notsent_lowat is ";
    private static final Path NOTSENT_LOWAT = Path.of("/proc/sys/net/ipv4/tcp_notsent_lowat");

    @Test
    void aProcessListeningBeyondLoopbackWarnsWhenTheKernelLetsAClientHoldMegabytes() throws Exception {
        boolean unbounded = Long.parseLong(Files.readString(NOTSENT_LOWAT).trim()) > 1 << 20;
        try (MainProcess everywhere = MainProcess.start(Map.of("HOST", "0.0.0.0"))) {
            String output = everywhere.output();
            assertEquals(unbounded, output.contains(WARNING), output);
            assertEquals(unbounded, output.contains("deploy/sysctl.d/60-resident.conf"), output);
        }
    }

    @Test
    void aProcessOnLoopbackOnlySaysNothing() throws IOException {
        try (MainProcess loopback = MainProcess.start(Map.of("HOST", "127.0.0.1"))) {
            assertEquals(false, loopback.output().contains(WARNING), loopback.output());
        }
    }
}
