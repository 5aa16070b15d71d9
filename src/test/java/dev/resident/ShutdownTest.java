package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Main} as an operator runs it: SIGTERM closes sockets with 1001 and exits 0. */
@Timeout(90)
class ShutdownTest {
    private static final Pattern LISTENING = Pattern.compile("Resident listening on (http://\\S+)");

    @Test
    void sigtermClosesSocketsWith1001AndExitsZero() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName()).redirectErrorStream(true);
        builder.environment().put("PORT", "0");
        builder.environment().put("HOST", "127.0.0.1");
        builder.environment().put("BENCH_PAGES", "true");
        Process process = builder.start();
        try {
            URI uri = URI.create(awaitListening(process));
            Browser browser = new Browser(uri);
            String pageId = browser.benchPage();
            SocketClient socket = browser.socket(pageId);
            socket.next("hello");

            process.destroy(); // SIGTERM
            assertEquals(1001, socket.closeCode());
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the server stopped");
            assertEquals(0, process.exitValue());
        } finally {
            process.destroyForcibly();
        }
    }

    /** Reads the server's output until it says where it listens; keeps draining it afterwards. */
    private static String awaitListening(Process process) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                return m.group(1).replace("localhost", "127.0.0.1");
            }
        }
        throw new AssertionError("server exited with " + process.waitFor());
    }
}
