package dev.resident.state.mvstore;

import dev.resident.support.LogLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's file holds session ids: it is made readable by its owner alone before the store
 * opens it (so no other user opens it in between), and a state directory made before, open to
 * other users, is told about at the start.
 */
class StateFilePermissionsTest {

    @Test
    void aStateDirectoryOpenToOthersIsToldAboutAndTheFileIsTheOwnersFromItsStart(@TempDir Path parent) throws Exception {
        Path dir = Files.createDirectory(parent.resolve("state"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (LogLines log = LogLines.of(MvStateStore.class.getName())) {
            MvStateStore store = MvStateStore.open(dir, Duration.ofMillis(10), false, 0, nanos -> { });
            try {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state.mv"))));
                store.bucket("kept", Duration.ofHours(1)).put("k", "v".getBytes(StandardCharsets.UTF_8));
            } finally {
                store.close();
            }
            assertTrue(!log.containing("open to other users").isEmpty(), "the 755 directory is told about");
        }
        MvStateStore again = MvStateStore.open(dir, Duration.ofMillis(10), false, 0, nanos -> { });
        try {
            assertEquals("v", new String(again.bucket("kept", Duration.ofHours(1)).get("k").orElseThrow().value(),
                    StandardCharsets.UTF_8), "a store begun in the file made empty beforehand keeps what it holds");
        } finally {
            again.close();
        }
    }
}
