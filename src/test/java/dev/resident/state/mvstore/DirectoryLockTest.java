package dev.resident.state.mvstore;

import dev.resident.state.StateUnavailable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One store at a time uses a state directory, and it lets the directory go when it closes. */
@Tag("slow")
@Timeout(30)
class DirectoryLockTest {

    @Test
    void aSecondStoreOnTheSameDirectoryWaitsThenFailsAndOpensOnceTheFirstIsClosed(@TempDir Path dir) {
        MvStateStore first = MvStateStore.open(dir, Duration.ofSeconds(1), false, 0, nanos -> { });
        first.bucket("global", Duration.ZERO).put("kept", new byte[]{7});
        StateUnavailable refused = assertThrows(StateUnavailable.class,
                () -> MvStateStore.open(dir, Duration.ofSeconds(1), false, 0, nanos -> { }));
        assertTrue(refused.getMessage().contains("locked by another process"), refused.getMessage());
        first.close();
        MvStateStore second = MvStateStore.open(dir, Duration.ofSeconds(1), false, 0, nanos -> { });
        try {
            assertArrayEquals(new byte[]{7}, second.bucket("global", Duration.ZERO).get("kept").orElseThrow().value());
        } finally {
            second.close();
        }
    }
}
