package dev.resident.load.restore;

import dev.resident.load.scenario.PagesCase;
import dev.resident.load.setup.Control;
import dev.resident.load.setup.OpenedPage;
import dev.resident.load.setup.PageOpener;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code open URL PAGES FILE}: opens {@code PAGES} pages with ~1 KB of data each (as the
 * {@code pages} scenario does, 16 per connection) and writes "page-id cookie" lines to FILE.
 * {@code touch URL FILE CONCURRENCY}: calls {@code inc} on every listed page, {@code CONCURRENCY}
 * calls at a time, and prints the time, the rate, the latency p50/p99/max and the failures (a
 * page the server did not continue answers 404).
 */
public final class StateRestore {
    private StateRestore() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("open")) {
            open(URI.create(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
        } else if (args.length == 4 && args[0].equals("touch")) {
            touch(URI.create(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
        } else {
            System.err.println("usage: open URL PAGES FILE | touch URL FILE CONCURRENCY");
            System.exit(2);
        }
    }

    private static void open(URI base, int count, Path file) throws IOException, InterruptedException {
        long start = System.nanoTime();
        List<Control.Opened> opened;
        try (Control control = new Control(base)) {
            opened = new PageOpener(control, 16, 32)
                    .open(count, i -> "{\"tables\":[],\"data\":" + PagesCase.data(i) + "}");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<String> lines = new ArrayList<>(count);
        for (Control.Opened page : opened) {
            lines.add(page.page().pageId() + " " + page.page().cookie());
        }
        Files.write(file, lines);
        System.out.printf("opened %d pages in %.1f s (%.0f/s)%n", count, seconds, count / seconds);
    }

    private static void touch(URI base, Path file, int concurrency) throws Exception {
        List<OpenedPage> pages = Files.readAllLines(file).stream()
                .map(line -> line.split(" ", 2))
                .map(parts -> new OpenedPage(parts[0], parts[1]))
                .toList();
        long[] latencies = new long[pages.size()];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long start = System.nanoTime();
        try (Control control = new Control(base);
             ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < concurrency; w++) {
                workers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < pages.size(); i = next.getAndIncrement()) {
                        long t0 = System.nanoTime();
                        try {
                            control.rpc(pages.get(i), "inc", "{}");
                        } catch (IOException e) {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, e.getMessage());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        latencies[i] = System.nanoTime() - t0;
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        System.out.printf("touched %d pages in %.1f s (%.0f/s), latency p50 %.1f ms p99 %.1f ms max %.0f ms, %d failed%s%n",
                pages.size(), seconds, pages.size() / seconds, ms(latencies, 0.5), ms(latencies, 0.99),
                latencies[latencies.length - 1] / 1e6, failed.get(),
                firstFailure.get() == null ? "" : " (first: " + firstFailure.get() + ")");
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
