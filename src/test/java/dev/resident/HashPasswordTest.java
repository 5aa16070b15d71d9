package dev.resident;

import dev.resident.registry.PasswordHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code hash-password} takes the password from its standard input (or the terminal), never from
 * a command line that every user of the machine can read.
 */
@Timeout(60)
class HashPasswordTest {

    @Test
    void thePasswordComesFromTheStandardInputAndItsHashMatchesIt() throws Exception {
        Process hashing = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "hash-password"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (OutputStream in = hashing.getOutputStream()) {
            in.write("correct horse\n".getBytes(StandardCharsets.UTF_8));
        }
        String hash = new String(hashing.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(hashing.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, hashing.exitValue());
        assertTrue(PasswordHash.matches("correct horse", hash), hash);
    }
}
