package dev.resident.state.mvstore;

import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;

import java.lang.reflect.Field;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bytes MVStore has written to its file since it opened: its file store counts them
 * ({@code info.FILE_WRITE_BYTES}), but H2 2.5 offers the count only with every other statistic of
 * the file, some of which walk all its chunks, so it is read from the counter itself.
 */
final class WrittenBytes {
    private WrittenBytes() {
    }

    /** The store's counter, or empty when this version of H2 has none where it is looked for. */
    static Optional<LongSupplier> of(MVStore store) {
        try {
            Field field = FileStore.class.getDeclaredField("writeBytes");
            field.setAccessible(true);
            AtomicLong counter = (AtomicLong) field.get(store.getFileStore());
            return Optional.of(counter::get);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
