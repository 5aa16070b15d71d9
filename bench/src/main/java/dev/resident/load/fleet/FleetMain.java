package dev.resident.load.fleet;

import dev.resident.load.Json;
import dev.resident.load.net.Loops;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A fleet process: {@code FleetMain PAGES_FILE SOURCE_ADDRESS|- OPENS_PER_SECOND LOOPS}. Opens a
 * socket per page at the given rate (at most {@value #MAX_PENDING} handshakes at once), prints
 * {@code {"type":"ramped",...}}, then answers stdin commands {@code report} (prints
 * {@code {"type":"report",...}}), {@code reset} (forgets deliveries and latencies) and
 * {@code quit} (closes the sockets and exits; so does the end of stdin).
 */
public final class FleetMain {
    private static final int MAX_PENDING = 256;

    private FleetMain() {
    }

    public static void main(String[] args) throws Exception {
        List<FleetPage> pages = Files.readAllLines(Path.of(args[0])).stream()
                .filter(line -> !line.isBlank()).map(FleetPage::parse).toList();
        InetAddress source = args[1].equals("-") ? null : InetAddress.getByName(args[1]);
        double rate = Double.parseDouble(args[2]);
        try (Loops loops = new Loops(Integer.parseInt(args[3]), "fleet")) {
            List<FleetShard> shards = new ArrayList<>();
            loops.all().forEach(loop -> shards.add(new FleetShard(loop)));
            long started = System.nanoTime();
            boolean settled = ramp(pages, source, rate, shards);
            print(Json.object().put("type", "ramped").put("all_settled", settled)
                    .put("seconds", (System.nanoTime() - started) / 1e9));
            serve(shards);
        }
    }

    /** Opens every socket; true when each has said hello or failed. */
    private static boolean ramp(List<FleetPage> pages, InetAddress source, double rate, List<FleetShard> shards)
            throws InterruptedException {
        Semaphore pending = new Semaphore(MAX_PENDING);
        CountDownLatch settled = new CountDownLatch(pages.size());
        long start = System.nanoTime();
        for (int i = 0; i < pages.size(); i++) {
            pending.acquire();
            long due = start + (long) (i * 1e9 / rate);
            LockSupport.parkNanos(due - System.nanoTime());
            shards.get(i % shards.size()).open(pages.get(i), source, () -> {
                pending.release();
                settled.countDown();
            });
        }
        return settled.await(60, TimeUnit.SECONDS);
    }

    private static void serve(List<FleetShard> shards) throws Exception {
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String command;
        while ((command = commands.readLine()) != null && !command.equals("quit")) {
            switch (command) {
                case "report" -> {
                    FleetStats total = new FleetStats();
                    for (FleetShard shard : shards) {
                        shard.addTo(total).get(30, TimeUnit.SECONDS);
                    }
                    print(total.toJson().put("type", "report"));
                }
                case "reset" -> {
                    // acknowledged only once every loop has reset: the parent publishes right after,
                    // and a reset still queued behind the loop's reads would wipe the first deliveries
                    for (FleetShard shard : shards) {
                        shard.resetDeliveries().get(30, TimeUnit.SECONDS);
                    }
                    print(Json.object().put("type", "reset"));
                }
                default -> print(Json.object().put("type", "error").put("message", "unknown command " + command));
            }
        }
        for (FleetShard shard : shards) {
            shard.closeAll().get(30, TimeUnit.SECONDS);
        }
    }

    private static void print(Object line) {
        System.out.println(Json.write(line));
        System.out.flush();
    }
}
