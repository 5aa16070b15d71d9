package dev.resident.support;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tests' deadline, in a child JVM that is stopped ({@code SIGSTOP}) and continued as a paused
 * CI machine would be: the time it stood still does not count.
 */
@Timeout(60)
class DeadlineTest {
    private static final long TIMEOUT_MS = 1000;
    private static final long STOPPED_MS = 2500;

    @Test
    void passesAfterItsTimeoutOfRunningTime() throws Exception {
        Process probe = probe();
        try (BufferedReader out = output(probe)) {
            assertEquals("waiting", out.readLine());
            long[] took = numbers(out.readLine());
            assertTrue(took[0] >= TIMEOUT_MS && took[0] < TIMEOUT_MS + STOPPED_MS, took[0] + " ms");
            assertEquals(0, took[1], "no stall seen");
        }
        assertEquals(0, probe.waitFor());
    }

    @Test
    void timeTheProcessStoodStillDoesNotCount() throws Exception {
        Process probe = probe();
        try (BufferedReader out = output(probe)) {
            assertEquals("waiting", out.readLine());
            signal(probe, "STOP");
            // the stop is the machine standing still: this wait is what the test is about
            TimeUnit.MILLISECONDS.sleep(STOPPED_MS);
            signal(probe, "CONT");
            long[] took = numbers(out.readLine());
            assertTrue(took[1] >= STOPPED_MS - 200, "the stall was seen: " + took[1] + " ms");
            assertTrue(took[0] >= TIMEOUT_MS + STOPPED_MS - 200,
                    "the deadline ran its whole timeout besides the stall: " + took[0] + " ms");
        }
        assertEquals(0, probe.waitFor());
    }

    private static Process probe() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                DeadlineProbe.class.getName(), Long.toString(TIMEOUT_MS)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static BufferedReader output(Process process) {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static void signal(Process process, String signal) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor());
    }

    private static long[] numbers(String line) {
        String[] parts = line.split(" ");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
    }
}
