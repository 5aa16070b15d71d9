package dev.resident.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A log file that lines are appended to and that, past {@code limit} bytes, moves to
 * {@code <file>.1} (the older ones to {@code .2} up to {@code .<keep>}, the oldest dropped) and
 * starts again: what clients' requests write to the disk stays bounded. The live file keeps its
 * name, so {@code tail -F} and an outside {@code logrotate} go on working. Its writers take turns.
 */
final class RotatingLogFile implements AutoCloseable {
    private final Path path;
    private final long limit;
    private final int keep;
    private Writer out;
    private long size;

    RotatingLogFile(Path path, long limit, int keep) throws IOException {
        this.path = path;
        this.limit = limit;
        this.keep = keep;
        open();
    }

    /** Appends {@code line} and a newline, flushed. */
    void write(String line) throws IOException {
        long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
        if (size > 0 && size + bytes > limit) {
            rotate();
        }
        out.write(line);
        out.write('\n');
        out.flush();
        size += bytes;
    }

    private void rotate() throws IOException {
        out.close();
        Files.deleteIfExists(numbered(keep));
        for (int i = keep - 1; i >= 1; i--) {
            if (Files.exists(numbered(i))) {
                Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(path, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        open();
    }

    private Path numbered(int generation) {
        return path.resolveSibling(path.getFileName() + "." + generation);
    }

    private void open() throws IOException {
        out = Files.newBufferedWriter(path, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        size = Files.size(path);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
