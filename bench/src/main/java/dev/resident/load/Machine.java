package dev.resident.load;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the shared machine was around a measurement: load averages before and after, and the
 * CPU cores busy over it (server, load generator and everyone else's builds together).
 */
final class Machine {
    private final String loadBefore = loadAverage();
    private final long[] cpuBefore = cpuTicks();
    private final long startNanos = System.nanoTime();

    /** The machine fields of a result line, from construction until now. */
    ObjectNode sinceStart() {
        long[] cpuAfter = cpuTicks();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double busyCores = (cpuAfter[0] - cpuBefore[0]) / 100.0 / seconds;
        return Json.object()
                .put("cores", Runtime.getRuntime().availableProcessors())
                .put("loadavg_before", loadBefore)
                .put("loadavg_after", loadAverage())
                .put("busy_cores", Math.round(busyCores * 100) / 100.0)
                .put("java", Runtime.version().toString());
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** Busy and total ticks of all CPUs, from {@code /proc/stat}. */
    private static long[] cpuTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length; i++) {
                total += Long.parseLong(fields[i]);
            }
            long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
            return new long[]{total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[]{0, 0};
        }
    }
}
