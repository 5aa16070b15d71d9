import dev.resident.state.Bucket;
import dev.resident.state.mvstore.MvStateStore;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Kill -9 harness for the embedded store (the "Chunk 2 not found" at a restart). A child JVM opens
 * MvStateStore as the server does (commit delay, fsync on, write-rate 8 MiB/s), opens the server's
 * buckets, writes as the server's first seconds do (waited connection, user and store records from
 * several threads, batched page snapshots then the writer's flush, some deletes) and logs each
 * answered write to answered.log; the parent kills it at a random moment, reopens the directory with
 * MvStateStore.open, opens every bucket and checks every answered write.
 *
 * <pre>
 * compile: javac -d CLASSES -cp target/classes:$(cat cp.txt) bench/chunkkill/ChunkKill.java
 * parent:  java -cp CLASSES:target/classes:$(cat cp.txt) [-Dlight=true] [-Dquiet=true] [-Dburn=3] \
 *              ChunkKill run MODE ITERATIONS SECONDS WORKDIR [commitDelayMs]
 *   fresh     : new dir each iteration, kill 50..3000 ms after the child's spawn
 *   open      : new dir, kill 0..700 ms after spawn (in the JVM start or the first open of the 0-byte file)
 *   cycle     : one dir for 6 starts, kill 300..1500 ms after spawn; each restart checks the writes before
 *   cycleopen : one dir for 6 starts, kill 0..1500 ms after spawn (often in the restart's own open)
 *   snap      : the child copies the log, then the file, every 5..30 ms (what a kill then would leave)
 *   idle      : new dir, heavy writes for 2..8 s, then none; kill 3..130 s after spawn (while the store
 *               frees the chunks the writes replaced once 45 s old, cuts the file and copies live pages
 *               to its start: Tidying)
 *   trial     : 100 trials a child: a waited write, a batched one left to the background commit, a
 *               waited write 0.9..1.5 commit delays later (around that commit), a quiet spell, a copy
 *   -Dlight: a few writes a second (as the CI test); -Dquiet: the writers stop 0.1..1.5 s after the
 *   open; -Dburn=N: N spinning threads in the child (a loaded machine: threads wake late)
 * </pre>
 */
public final class ChunkKill {
    static final String[] BUCKETS = {"connections", "connection-stores", "users", "global", "pages"};

    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.config.file", "/dev/null");
        if (args[0].equals("child")) {
            child(Path.of(args[1]), Integer.parseInt(args[2]));
        } else if (args[0].equals("stats")) {
            org.h2.mvstore.MVStore st = new org.h2.mvstore.MVStore.Builder().fileName(args[1]).readOnly().open();
            System.out.printf("size=%.1fMB fillRate=%d chunksFillRate=%d chunks=%s%n", st.getFileStore().size() / 1e6,
                    st.getFileStore().getFillRate(), st.getFileStore().getChunksFillRate(),
                    st.getLayoutMap().keySet().stream().filter(k -> k.startsWith("chunk.")).count());
            st.closeImmediately();
        } else if (args[0].equals("verify")) {
            String r = verify(Path.of(args[1]), 100);
            System.out.println(r == null ? "OK" : r);
        } else {
            run(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Path.of(args[4]),
                    args.length > 5 ? Integer.parseInt(args[5]) : 100);
        }
    }

    // ---------------------------------------------------------------- parent

    static void run(String mode, int iterations, int seconds, Path work, int delayMs) throws Exception {
        Files.createDirectories(work);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int kills = 0, opens = 0, failures = 0, iter = 0, snaps = 0, snapFailures = 0, killsAfterTidying = 0, killsAfterRound = 0;
        long maxBytes = 0;
        Random random = new Random();
        while (iter < iterations && System.nanoTime() < deadline) {
            iter++;
            Path dir = work.resolve(mode + "-" + ProcessHandle.current().pid() + "-" + iter);
            int starts = mode.startsWith("cycle") ? 6 : 1;
            String failure = null;
            for (int s = 0; s < starts && failure == null; s++) {
                int killAt = switch (mode) {
                    case "fresh" -> 50 + random.nextInt(2950);
                    case "open" -> random.nextInt(700);
                    case "cycle" -> 300 + random.nextInt(1200);
                    case "cycleopen" -> random.nextInt(1500);
                    case "snap" -> 3000;
                    case "trial" -> 600_000;
                    case "idle" -> 3000 + random.nextInt(127_000);
                    default -> throw new IllegalArgumentException(mode);
                };
                Process child = new ProcessBuilder(javaBin(), "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Dlight=" + LIGHT, "-Dquiet=" + QUIET, "-Dsnap=" + mode.equals("snap"), "-Dtrial=" + mode.equals("trial"), "-Didle=" + mode.equals("idle"), "-DdelayMs=" + delayMs,
                        "-Dtrials=" + Integer.getInteger("trials", 100), "-Dburn=" + Integer.getInteger("burn", 0),
                        "-cp", System.getProperty("java.class.path"), "ChunkKill", "child", dir.toString(),
                        Integer.toString(delayMs))
                        .redirectErrorStream(true).redirectOutput(dir.resolveSibling(dir.getFileName() + ".out." + s).toFile())
                        .start();
                boolean exited = child.waitFor(killAt, TimeUnit.MILLISECONDS);
                if (!exited) {
                    child.destroyForcibly(); // SIGKILL
                    child.waitFor();
                    kills++;
                }
                String out = Files.readString(dir.resolveSibling(dir.getFileName() + ".out." + s));
                String[] tidy = out.lines().filter(l -> l.startsWith("TIDY ")).reduce((a, b) -> b).orElse("TIDY 0 0 0").split(" ");
                if (!tidy[1].equals("0")) {
                    killsAfterTidying++;
                }
                if (!tidy[2].equals("0")) {
                    killsAfterRound++;
                }
                maxBytes = Math.max(maxBytes, Long.parseLong(tidy[3]));
                if (out.contains("OPENED")) {
                    opens++;
                }
                if (out.contains("recovering") || out.contains("WARNING")) {
                    System.out.println("NOTE start " + s + " of " + dir + ": " + out.lines().filter(l -> l.contains("WARNING") || l.contains("recover")).toList());
                }
                if (out.contains("FAIL") || out.contains("Exception")) {
                    failure = "start " + s + " of " + dir + " (killAt " + killAt + " ms):\n" + out;
                }
                if (failure == null && (mode.equals("snap") || mode.equals("trial"))) {
                    for (int n = 0; n < 1000; n++) {
                        Path snap = dir.resolveSibling(dir.getFileName() + ".snap" + n);
                        if (!Files.exists(snap.resolve("complete"))) {
                            delete(snap);
                            continue;
                        }
                        Files.delete(snap.resolve("complete"));
                        copy(snap, snap.resolveSibling(snap.getFileName() + ".before-verify"));
                        snaps++;
                        String r;
                        try {
                            r = verify(snap, delayMs);
                        } catch (Throwable t) {
                            r = t.toString();
                        }
                        if (r != null) {
                            snapFailures++;
                            System.out.println("SNAPFAIL " + snap + ": " + r);
                            Files.move(snap, work.resolve("failed-" + snap.getFileName()));
                            Files.move(snap.resolveSibling(snap.getFileName() + ".before-verify"),
                                    work.resolve("failed-" + snap.getFileName() + ".before-verify"));
                        } else {
                            delete(snap);
                            delete(snap.resolveSibling(snap.getFileName() + ".before-verify"));
                        }
                    }
                }
                if (failure == null && s == starts - 1) {
                    // final check in this process: copy first, the close writes the file
                    copy(dir, dir.resolveSibling(dir.getFileName() + ".before-verify"));
                    try {
                        String r = verify(dir, delayMs);
                        if (r != null) {
                            failure = "verify of " + dir + " (killAt " + killAt + " ms): " + r;
                        }
                    } catch (Throwable t) {
                        failure = "verify of " + dir + " (killAt " + killAt + " ms): " + t;
                    }
                }
            }
            if (failure != null) {
                failures++;
                System.out.println("FAILURE " + failure);
                Path keep = work.resolve("failed-" + dir.getFileName());
                Files.move(dir, keep);
                for (int s = 0; s < starts; s++) {
                    Path o = dir.resolveSibling(dir.getFileName() + ".out." + s);
                    if (Files.exists(o)) {
                        Files.move(o, keep.resolveSibling(keep.getFileName() + ".out." + s));
                    }
                }
                Path b = dir.resolveSibling(dir.getFileName() + ".before-verify");
                if (Files.exists(b)) {
                    Files.move(b, keep.resolveSibling(keep.getFileName() + ".before-verify"));
                }
            } else {
                delete(dir);
                delete(dir.resolveSibling(dir.getFileName() + ".before-verify"));
                for (int s = 0; s < starts; s++) {
                    Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".out." + s));
                }
            }
        }
        System.out.printf("SUMMARY light=" + LIGHT + " quiet=" + QUIET + " burn=" + Integer.getInteger("burn", 0) + " mode=%s delay=%d iterations=%d kills=%d childOpens=%d failures=%d snapshots=%d snapshotFailures=%d%s%n",
                mode, delayMs, iter, kills, opens, failures, snaps, snapFailures, mode.equals("idle")
                        ? " afterTidyingCommits=" + killsAfterTidying + " afterCopyRounds=" + killsAfterRound + " largestFile=" + maxBytes : "");
    }

    static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static void copy(Path from, Path to) throws IOException {
        delete(to);
        if (!Files.exists(from)) {
            return;
        }
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isDirectory(f)) {
                    copy(f, to.resolve(f.getFileName()));
                } else {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Opens the store and every bucket, checks answered.log; null when all is there. Closes the store. */
    static String verify(Path dir, int delayMs) throws IOException {
        MvStateStore store = MvStateStore.open(dir.resolve("state"), Duration.ofMillis(delayMs), true, 8388608, ns -> { });
        try {
            return check(store, dir);
        } finally {
            store.close();
        }
    }

    static String check(MvStateStore store, Path dir) throws IOException {
        Map<String, Bucket> buckets = new HashMap<>();
        for (String b : BUCKETS) {
            buckets.put(b, store.bucket(b, ttl(b)));
        }
        Path log = dir.resolve("answered.log");
        if (!Files.exists(log)) {
            return null;
        }
        // latest answered seq per key; deletes as -1
        Map<String, Long> expected = new HashMap<>();
        int lines = 0;
        for (String line : Files.readAllLines(log)) {
            String[] f = line.split(" ");
            if (f.length != 4 || !line.endsWith("")) {
                continue; // a line torn by the kill (it was not answered to anyone yet)
            }
            lines++;
            String k = f[1] + " " + f[2];
            if (f[0].equals("deleting")) {
                expected.put(k, -2L); // either way
                continue;
            }
            if (expected.getOrDefault(k, 0L) == -2L && !f[0].equals("del")) {
                continue;
            }
            long seq = f[0].equals("del") ? -1 : Long.parseLong(f[3]);
            if (f[0].equals("del")) {
                expected.put(k, -1L);
            } else {
                expected.merge(k, seq, (a, b) -> a == -1 ? -1 : Math.max(a, b));
            }
        }
        int missing = 0;
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            String[] k = e.getKey().split(" ");
            var got = buckets.get(k[0]).get(k[1]);
            if (e.getValue() == -2) {
                continue;
            }
            if (e.getValue() == -1) {
                if (got.isPresent()) {
                    missing++;
                    if (sb.length() < 500) sb.append(" deleted-but-present ").append(e.getKey());
                }
            } else if (got.isEmpty() || seqOf(got.get().value()) < e.getValue()) {
                missing++;
                if (sb.length() < 500) sb.append(" missing ").append(e.getKey()).append('@').append(e.getValue())
                        .append(got.map(v -> " has " + seqOf(v.value())).orElse(""));
            }
        }
        return missing == 0 ? null : missing + " of " + expected.size() + " answered keys (" + lines + " lines) wrong:" + sb;
    }

    static Duration ttl(String bucket) {
        return switch (bucket) {
            case "global" -> Duration.ZERO;
            case "pages" -> Duration.ofSeconds(600);
            case "users" -> Duration.ofSeconds(7200);
            default -> Duration.ofSeconds(7200);
        };
    }

    static long seqOf(byte[] value) {
        String s = new String(value, 0, Math.min(value.length, 40), StandardCharsets.ISO_8859_1);
        int end = s.indexOf(';');
        return Long.parseLong(s.substring(4, end));
    }

    // ---------------------------------------------------------------- child

    /** Sequence numbers grow across the starts of a cycle too (a restart writes the same user keys again). */
    static final AtomicLong SEQ = new AtomicLong(System.currentTimeMillis() * 1000);
    static FileChannel answered;
    static final java.util.concurrent.locks.ReentrantReadWriteLock DELETES = new java.util.concurrent.locks.ReentrantReadWriteLock();

    static synchronized void logAnswered(String op, String bucket, String key, long seq) {
        try {
            answered.write(ByteBuffer.wrap((op + " " + bucket + " " + key + " " + seq + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static byte[] value(long seq, int size) {
        byte[] v = new byte[size];
        byte[] head = ("seq=" + seq + ";").getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(head, 0, v, 0, head.length);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String json = "{\"count\":" + seq + ",\"user\":\"alice\",\"items\":[1,2,3],\"title\":\"bench page\"}";
        for (int i = head.length; i < size; i++) {
            // JSON-ish, partly compressible
            v[i] = (i % 7 == 0) ? (byte) ('a' + r.nextInt(26)) : (byte) json.charAt(i % json.length());
        }
        return v;
    }

    static boolean LIGHT = Boolean.getBoolean("light");
    static boolean QUIET = Boolean.getBoolean("quiet");
    static volatile long stopAt = Long.MAX_VALUE;

    static boolean writing() {
        if (System.nanoTime() < stopAt) {
            return true;
        }
        sleepMicros(1_000_000);
        return false;
    }

    static void child(Path dir, int delayMs) throws Exception {
        long t0 = System.nanoTime();
        for (int b = 0; b < Integer.getInteger("burn", 0); b++) { // a loaded machine (CI): threads wake late
            Thread.ofPlatform().daemon().start(() -> {
                long x = 0;
                while (true) {
                    x += System.nanoTime() % 7;
                    if (x == 42) {
                        System.out.print("");
                    }
                }
            });
        }
        Files.createDirectories(dir);
        answered = FileChannel.open(dir.resolve("answered.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        MvStateStore store = MvStateStore.open(dir.resolve("state"), Duration.ofMillis(delayMs), true, 8388608, ns -> { });
        Map<String, Bucket> buckets = new HashMap<>();
        for (String b : BUCKETS) {
            buckets.put(b, store.bucket(b, ttl(b)));
        }
        System.out.println("OPENED " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        String r = check(store, dir);
        if (r != null) {
            System.out.println("FAIL at restart: " + r);
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        System.out.println("CHECKED");
        System.out.flush();
        if (Boolean.getBoolean("trial")) {
            trials(dir, store, buckets);
            return;
        }
        long pid = ProcessHandle.current().pid();
        if (Boolean.getBoolean("snap")) {
            Thread.ofPlatform().daemon().start(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int n = 0; n < 150; n++) {
                    sleepMicros(5_000 + rnd.nextInt(25_000));
                    try {
                        Path snap = dir.resolveSibling(dir.getFileName() + ".snap" + n);
                        Files.createDirectories(snap.resolve("state"));
                        DELETES.writeLock().lock();
                        try {
                            Files.copy(dir.resolve("answered.log"), snap.resolve("answered.log")); // first: all it lists is in the state copy
                            Files.copy(dir.resolve("state").resolve("state.mv"), snap.resolve("state").resolve("state.mv"));
                        } finally {
                            DELETES.writeLock().unlock();
                        }
                        Files.createFile(snap.resolve("complete")); // a kill may come in the middle of a copy
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }
            });
        }
        if (Boolean.getBoolean("idle")) {
            reportTidying(store, dir);
            stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000 + ThreadLocalRandom.current().nextInt(6000));
        } else if (QUIET) {
            stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100 + ThreadLocalRandom.current().nextInt(1400));
        }
        Bucket connections = buckets.get("connections");
        Bucket stores = buckets.get("connection-stores");
        Bucket users = buckets.get("users");
        Bucket global = buckets.get("global");
        Bucket pages = buckets.get("pages");
        List<Thread> threads = new ArrayList<>();
        // logins: waited connection records, user records, connection stores; some logouts (deletes)
        for (int t = 0; t < (LIGHT ? 1 : 3); t++) {
            int tn = t;
            threads.add(Thread.ofVirtual().start(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                List<String> mine = new ArrayList<>();
                for (int i = 0; ; i++) {
                    if (!writing()) {
                        continue;
                    }
                    String key = "c-" + pid + "-" + tn + "-" + i;
                    long seq = SEQ.incrementAndGet();
                    connections.put(key, value(seq, 200 + rnd.nextInt(300)));
                    logAnswered("put", "connections", key, seq);
                    mine.add(key);
                    if (rnd.nextInt(3) == 0) {
                        String u = "u-" + tn + "-" + rnd.nextInt(7);
                        long s2 = SEQ.incrementAndGet();
                        users.put(u, value(s2, 150));
                        logAnswered("put", "users", u, s2);
                    }
                    if (rnd.nextInt(4) == 0) {
                        long s3 = SEQ.incrementAndGet();
                        stores.put(key, value(s3, 100 + rnd.nextInt(2000)));
                        logAnswered("put", "connection-stores", key, s3);
                    }
                    if (rnd.nextInt(10) == 0 && mine.size() > 2) {
                        String gone = mine.remove(0);
                        DELETES.readLock().lock(); // a snapshot copies the log and the state with no delete between
                        try {
                            logAnswered("deleting", "connections", gone, 0); // before: a kill after the delete's commit and before its log line
                            connections.delete(gone);
                            logAnswered("del", "connections", gone, 0);
                        } finally {
                            DELETES.readLock().unlock();
                        }
                    }
                    if (rnd.nextInt(20) == 0) {
                        long s4 = SEQ.incrementAndGet();
                        String g = "g-" + tn;
                        global.put(g, value(s4, 500));
                        logAnswered("put", "global", g, s4);
                    }
                    sleepMicros(LIGHT ? 20_000 + rnd.nextInt(200_000) : rnd.nextInt(5000));
                }
            }));
        }
        // the state writer: rounds every delay/2 of batched page snapshots and connection refreshes, then flush
        threads.add(Thread.ofVirtual().start(() -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            Bucket batchedPages = pages.batched();
            Bucket batchedConnections = connections.batched();
            int nPages = 0;
            for (int round = 0; ; round++) {
                if (!writing()) {
                    continue;
                }
                nPages = LIGHT ? Math.min(3, nPages + rnd.nextInt(2)) : Math.min(60, nPages + 1 + rnd.nextInt(5));
                if (nPages == 0) { nPages = 1; }
                List<String[]> written = new ArrayList<>();
                int n = LIGHT ? rnd.nextInt(2) : 1 + rnd.nextInt(Math.max(1, nPages));
                for (int i = 0; i < n; i++) {
                    String key = "p-" + pid + "-" + rnd.nextInt(nPages);
                    long seq = SEQ.incrementAndGet();
                    batchedPages.put(key, value(seq, LIGHT ? 500 + rnd.nextInt(3000) : 1000 + rnd.nextInt(6000)));
                    written.add(new String[]{"pages", key, Long.toString(seq)});
                }
                if (round % 3 == 0) {
                    String key = "cb-" + pid + "-" + rnd.nextInt(50);
                    long seq = SEQ.incrementAndGet();
                    batchedConnections.put(key, value(seq, 300));
                    written.add(new String[]{"connections", key, Long.toString(seq)});
                }
                if (!written.isEmpty()) {
                    store.flush(); // commit without sync: survives a process kill
                }
                for (String[] w : written) {
                    logAnswered("put", w[0], w[1], Long.parseLong(w[2]));
                }
                if (round % 20 == 0) {
                    store.sweep();
                }
                sleepMicros(Math.max(1, delayMs / 2) * 1000L);
            }
        }));
        // a burst of page opens: waited writes of page records right after the start
        threads.add(Thread.ofVirtual().start(() -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; ; i++) {
                if (!writing()) {
                    continue;
                }
                String key = "po-" + pid + "-" + i;
                long seq = SEQ.incrementAndGet();
                pages.put(key, value(seq, 2000 + rnd.nextInt(8000)));
                logAnswered("put", "pages", key, seq);
                sleepMicros(LIGHT ? 50_000 + rnd.nextInt(400_000) : rnd.nextInt(i < 50 ? 500 : 20000));
            }
        }));
        for (Thread t : threads) {
            t.join();
        }
    }

    /**
     * Trials of the CI's last moments: a batched write left to the background commit, a waited write
     * at a random moment around that commit's start, then a quiet spell and a copy of the files (what
     * a kill -9 then leaves).
     */
    static void trials(Path dir, MvStateStore store, Map<String, Bucket> buckets) throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long pid = ProcessHandle.current().pid();
        Bucket pages = buckets.get("pages");
        Bucket connections = buckets.get("connections");
        Bucket users = buckets.get("users");
        int delayMs = Integer.getInteger("delayMs", 100);
        for (int n = 0; n < Integer.getInteger("trials", 100); n++) {
            long s0 = SEQ.incrementAndGet();
            users.put("t-" + pid + "-" + n, value(s0, 200)); // waited: the last commit before the spell
            logAnswered("put", "users", "t-" + pid + "-" + n, s0);
            long s1 = SEQ.incrementAndGet();
            pages.batched().put("b-" + pid + "-" + n, value(s1, 3000)); // for the background commit
            sleepMicros(delayMs * 900L + rnd.nextInt(delayMs * 600)); // 0.9..1.5 delays: around the background commit
            long s2 = SEQ.incrementAndGet();
            connections.put("w-" + pid + "-" + n, value(s2, 300));
            logAnswered("put", "connections", "w-" + pid + "-" + n, s2);
            logAnswered("put", "pages", "b-" + pid + "-" + n, s1); // the waited commit covers it too
            Path snap = dir.resolveSibling(dir.getFileName() + ".snap" + n);
            Files.createDirectories(snap.resolve("state"));
            Files.copy(dir.resolve("answered.log"), snap.resolve("answered.log"));
            Files.copy(dir.resolve("state").resolve("state.mv"), snap.resolve("state").resolve("state.mv"));
            Files.createFile(snap.resolve("complete"));
            sleepMicros(delayMs * 2000L); // let a background commit of anything left go by
        }
        System.out.println("TRIALS DONE");
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** Every second, what the store's Tidying did so far and the file's size: "TIDY commits rounds bytes". */
    static void reportTidying(MvStateStore store, Path dir) throws Exception {
        java.lang.reflect.Field field = MvStateStore.class.getDeclaredField("tidying");
        field.setAccessible(true);
        Object tidying = field.get(store);
        java.lang.reflect.Method commits = tidying.getClass().getDeclaredMethod("commits");
        java.lang.reflect.Method rounds = tidying.getClass().getDeclaredMethod("rewritesAll");
        commits.setAccessible(true);
        rounds.setAccessible(true);
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                sleepMicros(1_000_000);
                try {
                    System.out.println("TIDY " + commits.invoke(tidying) + " " + rounds.invoke(tidying) + " "
                            + Files.size(dir.resolve("state").resolve("state.mv")));
                    System.out.flush();
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    static void sleepMicros(long us) {
        try {
            Thread.sleep(Duration.ofNanos(us * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
