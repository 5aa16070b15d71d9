package dev.resident.deploy;

import dev.resident.support.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files in {@code deploy/} are what their programs accept, with their defaults. */
@Timeout(30)
class DeployConfigFilesTest {

    @Test
    void haproxyAcceptsItsConfigWithTheDefaultAddresses() throws Exception {
        assertEquals("Configuration file is valid", run(Machine.program("haproxy"), "-c", "-f", "deploy/haproxy.cfg"));
    }

    @Test
    void theShippedHaproxyConfigIsWhatTheGeneratorWritesForTwoProcesses() throws Exception {
        assertEquals(Files.readString(Path.of("deploy/haproxy.cfg")).trim(), run("deploy/haproxy-config", "2"));
    }

    @Test
    void haproxyAcceptsTheGeneratedConfigForFiveProcesses(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, run("deploy/haproxy-config", "5") + "\n");
        assertTrue(Files.readString(config).contains("server p05 \"${RESIDENT_P05-127.0.0.1:8085}\""));
        assertEquals("Configuration file is valid", run(Machine.program("haproxy"), "-c", "-f", config.toString()));
    }

    @Test
    void theGeneratorRefusesABadProcessCount() throws Exception {
        Process process = new ProcessBuilder("deploy/haproxy-config", "0; rm -rf /").redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertEquals(2, process.waitFor());
    }

    @Test
    void nginxAcceptsItsConfig(@TempDir Path dir) throws Exception {
        // its own pid file: the default one, /run/nginx.pid, may not be writable here
        run(Machine.program("nginx"), "-t", "-q", "-c", Path.of("deploy/nginx.conf").toAbsolutePath().toString(),
                "-g", "pid " + dir.resolve("nginx.pid") + ";");
    }

    @Test
    void supervisordReadsItsConfigWithEveryProgramStoppedGracefully() throws Exception {
        // supervisord has no check option; loading the file the way it does is the check
        String interpreter = Files.readAllLines(Path.of(Machine.program("supervisord"))).get(0).substring(2).trim();
        String programs = run(interpreter, "-c", """
                from supervisor.options import ServerOptions
                options = ServerOptions()
                options.realize(args=['-c', 'deploy/supervisord.conf'])
                for group in options.process_group_configs:
                    for program in group.process_configs:
                        print(program.name, program.stopsignal, program.stopwaitsecs)
                """);
        // signal 15 is TERM; 40 s covers SHUTDOWN_GRACE (20 s), the sockets (2 s) and the NATS drain (5 s)
        assertEquals(List.of("nats 15 10", "resident-p01 15 40", "resident-p02 15 40", "resident-worker 15 40",
                "haproxy 15 10"),
                programs.lines().toList());
    }

    @Test
    void supervisordNeverRunsResidentWithDemoValues() throws Exception {
        String interpreter = Files.readAllLines(Path.of(Machine.program("supervisord"))).get(0).substring(2).trim();
        String environments = run(interpreter, "-c", """
                from supervisor.options import ServerOptions
                options = ServerOptions()
                options.realize(args=['-c', 'deploy/supervisord.conf'])
                for group in options.process_group_configs:
                    for program in group.process_configs:
                        if program.name.startswith('resident-'):
                            env = program.environment or {}
                            print(program.name, env.get('DEMO'), env.get('BENCH_PAGES'), 'ADMIN_TOKEN' in env)
                """);
        // demo mode and the bench pages pinned off; the admin token comes from supervisord's environment
        assertEquals(List.of("resident-p01 false false False", "resident-p02 false false False",
                        "resident-worker false false False"),
                environments.lines().toList());
    }

    @Test
    void javaOptsGiveTheJdkOptionsItAcceptsAndTheAotCacheItCanUse(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // a jar with no cache beside it: target/resident.aot is there once deploy/aot-train has run
        Path jar = dir.resolve("app.jar");
        List<String> options = words(run("deploy/java-opts", jar.toString()));
        if (Runtime.version().feature() < 25) {
            assertEquals(List.of(), options, "JDK 25's options are left out on an older JDK");
            assertEquals(List.of(), words(run("deploy/java-opts")), "the default jar's");
            return;
        }
        assertTrue(options.contains("-XX:+UseCompactObjectHeaders"), options.toString());
        assertTrue(words(run("deploy/java-opts")).contains("-XX:+UseCompactObjectHeaders"), "the default jar's");
        assertTrue(options.stream().noneMatch(option -> option.startsWith("-XX:AOTCache")), "no cache trained: " + options);
        assertTrue(run(concat(java, options, "-version")).contains("version"));

        // a cache from a training run is used by the next start, and only while it is newer than the jar
        Path cache = dir.resolve("app.aot");
        Files.writeString(jar, "");
        List<String> training = words(run("deploy/java-opts", "--train", cache.toString()));
        assertTrue(training.contains("-XX:AOTCacheOutput=" + cache), training.toString());
        run(concat(java, training, "-version"));
        assertTrue(Files.size(cache) > 0, "the training run wrote the cache");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(cache).toMillis() - 60_000));
        List<String> withCache = words(run("deploy/java-opts", jar.toString()));
        assertTrue(withCache.contains("-XX:AOTCache=" + cache), withCache.toString());
        String started = run(concat(java, withCache, "-version"));
        assertFalse(started.contains("warning"), "the cache maps without a warning: " + started);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(cache).toMillis() + 60_000));
        assertFalse(run("deploy/java-opts", jar.toString()).contains("AOTCache"), "a jar rebuilt after its cache");
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    private static String[] concat(String first, List<String> middle, String last) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(middle);
        all.add(last);
        return all.toArray(String[]::new);
    }

    /** Runs a command in the project directory and returns its output; fails the test unless it exits 0. */
    private static String run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK these tests run on
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
        return output;
    }
}
