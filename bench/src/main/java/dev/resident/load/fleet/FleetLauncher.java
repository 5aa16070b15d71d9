package dev.resident.load.fleet;

import java.nio.file.Path;
import java.util.List;

/**
 * How to start a fleet process: the JDK, the harness jar and where fleets keep their files.
 *
 * @param loops event loops per fleet
 */
public record FleetLauncher(Path javaHome, Path benchJar, Path workDir, int loops) {
    List<String> command(Path pagesFile, String source, double rate) {
        return List.of(javaHome.resolve("bin/java").toString(), "-XX:+UseSerialGC", "-Xmx1g", "-Xss256k",
                "-cp", benchJar.toString(), FleetMain.class.getName(),
                pagesFile.toString(), source, String.valueOf(rate), String.valueOf(loops));
    }
}
