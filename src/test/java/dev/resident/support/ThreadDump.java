package dev.resident.support;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * This JVM's threads, virtual ones included, for a failure seen only in a CI log: where the
 * in-process servers' threads stood when a wait ran out.
 */
public final class ThreadDump {
    private ThreadDump() {
    }

    /**
     * The stacks of the threads whose name matches {@code names}, as the JDK's text thread dump
     * prints them.
     */
    public static String of(Pattern names) {
        Path file = null;
        try {
            file = Files.createTempFile("threads", ".txt");
            Files.delete(file); // dumpThreads refuses to overwrite
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            StringBuilder kept = new StringBuilder();
            for (String thread : Files.readString(file).split("\n\n")) {
                String first = thread.strip().lines().findFirst().orElse("");
                if (names.matcher(first).find()) {
                    kept.append(thread.strip()).append("\n\n");
                }
            }
            return kept.toString();
        } catch (IOException | RuntimeException e) {
            return "no thread dump: " + e;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file
                }
            }
        }
    }
}
