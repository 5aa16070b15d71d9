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
import java.util.Map;

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
    void supervisordReadsItsConfigWithEveryProgramStoppedGracefully(@TempDir Path dir) throws Exception {
        // signal 15 is TERM; 40 s covers SHUTDOWN_GRACE (20 s), the sockets (2 s) and the NATS drain (5 s)
        assertEquals(List.of("nats 15 10", "resident-p01 15 40", "resident-p02 15 40", "resident-worker 15 40",
                "haproxy 15 10"),
                supervisordPrograms(dir, "print(program.name, program.stopsignal, program.stopwaitsecs)", "p01", "p02"));
    }

    @Test
    void supervisordNeverRunsResidentWithDemoValues(@TempDir Path dir) throws Exception {
        // demo mode and the bench pages pinned off; the admin token comes from supervisord's environment
        assertEquals(List.of("resident-p01 p01 8081 false false False", "resident-p02 p02 8082 false false False",
                        "resident-worker p90 8170 false false False"),
                supervisordPrograms(dir, """
                        if program.name.startswith('resident-'):
                            env = program.environment or {}
                            print(program.name, env.get('PROCESS_ID'), env.get('PORT'), env.get('DEMO'),
                                  env.get('BENCH_PAGES'), 'ADMIN_TOKEN' in env)""", "p01", "p02"));
    }

    @Test
    void theResidentProcessesAreProgramFilesInDeployRunThatComeAndGoWithoutEditingTheTrackedFile(@TempDir Path dir)
            throws Exception {
        String tracked = Files.readString(Path.of("deploy/supervisord.conf"));
        assertTrue(tracked.contains("[include]\nfiles = run/*.conf\n"), "deploy/run/*.conf included");
        assertFalse(tracked.contains("[program:resident-p0"), "no process of the site in the tracked file");
        // a blue/green deploy: p03 and p04 written beside p01 and p02, then p01's and p02's files deleted
        // (supervisorctl reread and update then stop and remove them); each program that names a
        // directory runs in the repository's root, wherever its file is
        String where = "print(program.name, program.directory is None or __import__('os').path.realpath(program.directory) == '"
                + dir.toRealPath() + "')";
        assertEquals(List.of("nats True", "resident-p01 True", "resident-p02 True", "resident-p03 True",
                "resident-p04 True", "resident-worker True", "haproxy True"),
                supervisordPrograms(dir, where, "p01", "p02", "p03", "p04"));
        Files.delete(dir.resolve("deploy/run/resident-p01.conf"));
        Files.delete(dir.resolve("deploy/run/resident-p02.conf"));
        assertEquals(List.of("nats True", "resident-p03 True", "resident-p04 True", "resident-worker True", "haproxy True"),
                supervisordPrograms(dir, where));
        assertTrue(Files.readString(dir.resolve("deploy/run/resident-p04.conf"))
                .contains("PROCESS_ID=\"p04\",TRUSTED_PROXIES=\"127.0.0.1\",HOST=\"127.0.0.1\",PORT=\"8084\""));
    }

    @Test
    void theProgramWriterTakesAJarAndRefusesWhatIsNoProcessOrNoPlainPath(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("SUPERVISORD_RUN", dir.toString());
        run(env, "deploy/supervisord-program", "--jar", "deploy/run/resident-2.jar", "p07");
        String program = Files.readString(dir.resolve("resident-p07.conf"));
        assertTrue(program.contains("$(deploy/java-opts deploy/run/resident-2.jar) -jar deploy/run/resident-2.jar'"), program);
        for (List<String> refused : List.<List<String>>of(List.of("p90"), List.of("p00"), List.of("p1"), List.of("p01;reboot"),
                List.of(), List.of("--jar", "a jar", "p03"), List.of("--jar", "$(reboot)", "p03"))) {
            List<String> command = new ArrayList<>(List.of("deploy/supervisord-program"));
            command.addAll(refused);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getInputStream().readAllBytes();
            assertEquals(2, process.waitFor(), refused.toString());
        }
        // a port goes into the environment line: anything but a number could set HOST after it
        for (Map<String, String> port : List.of(Map.of("P03_PORT", "8083\",HOST=\"0.0.0.0"), Map.of("PROCESS_PORT_BASE", "80+1"))) {
            ProcessBuilder builder = new ProcessBuilder("deploy/supervisord-program", "p03").redirectErrorStream(true);
            builder.environment().putAll(env);
            builder.environment().putAll(port);
            Process process = builder.start();
            process.getInputStream().readAllBytes();
            assertEquals(2, process.waitFor(), port.toString());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve("resident-p07.conf")), files.toList(), "nothing written for a refused one");
        }
    }

    @Test
    void deploySiteLeavesStartingAndStoppingASupervisordSiteToSupervisord() throws Exception {
        for (String command : List.of("start", "stop")) {
            Process process = new ProcessBuilder("deploy/site", "--supervisord", command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            assertEquals(2, process.waitFor(), output);
            assertTrue(output.contains("supervisord -c deploy/supervisord.conf"), output);
        }
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

    /**
     * Loads a copy of {@code deploy/supervisord.conf} in {@code dir/deploy/}, with the program files that
     * {@code deploy/supervisord-program} writes for these processes in {@code dir/deploy/run/} (and any
     * written before), the way supervisord does (it has no check option: loading the file is the
     * check), and runs the Python statement for each program; returns what it printed.
     */
    private static List<String> supervisordPrograms(Path dir, String statement, String... processes) throws Exception {
        Path deploy = dir.resolve("deploy");
        Files.createDirectories(deploy.resolve("run"));
        Files.copy(Path.of("deploy/supervisord.conf"), deploy.resolve("supervisord.conf"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (processes.length > 0) {
            List<String> command = new ArrayList<>(List.of("deploy/supervisord-program"));
            command.addAll(List.of(processes));
            run(Map.of("SUPERVISORD_RUN", deploy.resolve("run").toString()), command.toArray(String[]::new));
        }
        String interpreter = Files.readAllLines(Path.of(Machine.program("supervisord"))).get(0).substring(2).trim();
        String script = """
                from supervisor.options import ServerOptions
                options = ServerOptions()
                options.realize(args=['-c', '%s'])
                for group in options.process_group_configs:
                    for program in group.process_configs:
                %s
                """.formatted(deploy.resolve("supervisord.conf"), statement.indent(8).stripTrailing());
        return run(interpreter, "-c", script).lines().toList();
    }

    /** Runs a command in the project directory and returns its output; fails the test unless it exits 0. */
    private static String run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    private static String run(Map<String, String> environment, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK these tests run on
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes()).trim();
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
        return output;
    }
}
