package dev.resident.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request log's file on a real disk: past its limit it moves aside, and the oldest go. */
@Timeout(30)
class RotatingLogFileTest {

    @Test
    void pastItsLimitTheFileMovesAsideAndOnlyTheNewestAreKept(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("requests.log");
        Files.writeString(path, "from before\n"); // an existing file is appended to, and counted
        try (RotatingLogFile log = new RotatingLogFile(path, 16, 2)) {
            for (int i = 0; i < 12; i++) {
                log.write(String.format("line %02d", i)); // 8 bytes with its newline: two a file
            }
        }
        assertEquals(List.of("line 10", "line 11"), Files.readAllLines(path));
        assertEquals(List.of("line 08", "line 09"), Files.readAllLines(dir.resolve("requests.log.1")));
        assertEquals(List.of("line 06", "line 07"), Files.readAllLines(dir.resolve("requests.log.2")));
        assertFalse(Files.exists(dir.resolve("requests.log.3")), "no more than two are kept");
        try (var files = Files.list(dir)) {
            assertTrue(files.mapToLong(file -> file.toFile().length()).sum() <= 3 * 16, "bounded on the disk");
        }
    }
}
