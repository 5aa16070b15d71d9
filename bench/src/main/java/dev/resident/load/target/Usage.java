package dev.resident.load.target;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * Memory and CPU of a server's processes (each root and all its descendants), read from
 * {@code /proc}; for a JVM also its heap after a full GC, through {@code jcmd}.
 */
public final class Usage {
    private static final double CLOCK_TICKS = 100.0;
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private final Supplier<List<Long>> roots;
    private final boolean descendants;
    private final Path jcmd;
    private double markedCpu;
    private long markedAt;

    /**
     * @param roots the server's root pids (asked again each time: a peer's pid files)
     * @param jcmd  {@code jcmd} for a JVM server with one root, or null
     */
    Usage(Supplier<List<Long>> roots, Path jcmd) {
        this(roots, true, jcmd);
    }

    private Usage(Supplier<List<Long>> roots, boolean descendants, Path jcmd) {
        this.roots = roots;
        this.descendants = descendants;
        this.jcmd = jcmd;
    }

    /** CPU and memory of exactly {@code pids} (not their children), e.g. the load generator's processes. */
    public static Usage ofProcesses(Supplier<List<Long>> pids) {
        return new Usage(pids, false, null);
    }

    /** Resident set size of all the server's processes. */
    public long rssBytes() {
        return pids().map(pid -> statusKb(pid, "VmRSS:") * 1024).sum();
    }

    /** CPU time (user + system) used so far by the server's live processes. */
    public double cpuSeconds() {
        return pids().mapToDouble(Usage::cpuSeconds).sum();
    }

    /** Java heap in use right after a full GC, or empty when the server is not a JVM. */
    public OptionalLong heapAfterGcBytes() throws IOException, InterruptedException {
        if (jcmd == null) {
            return OptionalLong.empty();
        }
        String pid = String.valueOf(roots.get().getFirst());
        run(jcmd.toString(), pid, "GC.run");
        // G1 prints one heap line; Serial and Parallel one per generation; Metaspace is not heap
        long usedKb = 0;
        boolean found = false;
        for (String line : run(jcmd.toString(), pid, "GC.heap_info").split("\n")) {
            Matcher used = HEAP_USED.matcher(line);
            if (!line.contains("Metaspace") && !line.contains("class space") && used.find()) {
                usedKb += Long.parseLong(used.group(1));
                found = true;
            }
        }
        return found ? OptionalLong.of(usedKb * 1024) : OptionalLong.empty();
    }

    /** Starts a measured stretch. */
    public void mark() {
        markedCpu = cpuSeconds();
        markedAt = System.nanoTime();
    }

    /** CPU and memory since {@link #mark()}. */
    public Delta sinceMark() {
        return new Delta(cpuSeconds() - markedCpu, (System.nanoTime() - markedAt) / 1e9, rssBytes());
    }

    private LongStream pids() {
        return roots.get().stream().flatMap(root -> ProcessHandle.of(root).stream()
                        .flatMap(handle -> descendants ? Stream.concat(Stream.of(handle), handle.descendants())
                                : Stream.of(handle)))
                .mapToLong(ProcessHandle::pid).distinct();
    }

    private static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended between listing and reading
        }
        return 0;
    }

    private static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Server CPU over a measured stretch, and its memory at the end of it. */
    public record Delta(double cpuSeconds, double wallSeconds, long rssBytes) {
        /** Adds {@code server_cpu_cores} (CPU seconds per second) and {@code server_rss_mb}. */
        public void into(ObjectNode metrics) {
            metrics.put("server_cpu_cores", cores()).put("server_rss_mb", rssBytes >> 20);
        }

        /** CPU seconds per second. */
        public double cores() {
            return Math.round(cpuSeconds / wallSeconds * 100) / 100.0;
        }
    }
}
