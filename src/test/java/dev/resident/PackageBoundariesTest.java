package dev.resident;

import dev.resident.page.EngineSeam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The page author's API stays apart from the engine: the API never imports the engine, page code
 * (demo, bench, the task API) imports neither the engine nor the registries, and the seam between
 * the two refuses callers outside the engine.
 */
@Timeout(30)
class PackageBoundariesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/resident");

    @Test
    void pageCodeAndTheApiNeverImportTheEngine() throws IOException {
        assertEquals(List.of(), importsOf(SOURCES.resolve("page"), "dev.resident.page.engine."));
        for (String author : List.of("demo", "bench", "task")) {
            assertEquals(List.of(), importsOf(SOURCES.resolve(author), "dev.resident.page.engine.",
                    "dev.resident.registry."), author);
        }
    }

    @Test
    void theSeamRefusesPageCode() {
        assertThrows(IllegalCallerException.class, () -> EngineSeam.open(MethodHandles.lookup()));
        assertThrows(IllegalCallerException.class, () -> EngineSeam.open(MethodHandles.publicLookup()));
    }

    /** The import lines naming one of {@code banned} in the package's own files (not its sub-packages). */
    private static List<String> importsOf(Path dir, String... banned) throws IOException {
        try (Stream<Path> files = Files.walk(dir, 1)) {
            return files.filter(file -> file.toString().endsWith(".java"))
                    .flatMap(file -> lines(file).stream()
                            .filter(line -> line.startsWith("import "))
                            .filter(line -> Stream.of(banned).anyMatch(line::contains))
                            .map(line -> dir.relativize(file) + ": " + line))
                    .toList();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
