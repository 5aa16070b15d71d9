package dev.resident.web;

import io.helidon.webserver.accesslog.AccessLogFeature;
import io.helidon.webserver.accesslog.HostLogEntry;
import io.helidon.webserver.accesslog.RequestLineLogEntry;
import io.helidon.webserver.accesslog.SizeLogEntry;
import io.helidon.webserver.accesslog.StatusLogEntry;
import io.helidon.webserver.accesslog.TimeTakenLogEntry;
import io.helidon.webserver.accesslog.TimestampLogEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Helidon's access log, one line per request: client address, time, {@code "METHOD raw-path
 * HTTP/1.1"}, status, bytes, milliseconds. The format is fixed on purpose: the path goes without
 * its query (which may carry a token), and no header is written (no cookie, no authorization).
 * Lines go to the logger {@value #LOGGER} (the console by default) or, with a file, only to that
 * file: {@code <file>.0} is the newest, rotated at 10 MB through {@code .4}.
 */
public final class AccessLog implements AutoCloseable {
    /** Parent of the per-listener loggers ({@code resident.access.@default}). */
    public static final String LOGGER = "resident.access";
    private static final int FILE_LIMIT = 10 << 20;
    private static final int FILE_COUNT = 5;
    private final AccessLogFeature feature;
    private final FileHandler file;
    private final Logger logger = Logger.getLogger(LOGGER);

    private AccessLog(Optional<String> path) {
        this.feature = AccessLogFeature.builder()
                .loggerName(LOGGER)
                .addEntry(HostLogEntry.create())
                .addEntry(TimestampLogEntry.create())
                .addEntry(RequestLineLogEntry.create())
                .addEntry(StatusLogEntry.create())
                .addEntry(SizeLogEntry.create())
                .addEntry(TimeTakenLogEntry.builder().unit(TimeUnit.MILLISECONDS).build())
                .build();
        this.file = path.map(AccessLog::fileHandler).orElse(null);
        if (file != null) {
            logger.addHandler(file);
            logger.setUseParentHandlers(false);
        }
    }

    /**
     * The access log.
     *
     * @param file where the lines go; blank: the {@value #LOGGER} logger's usual handlers
     */
    public static AccessLog create(String file) {
        return new AccessLog(Optional.of(file).filter(f -> !f.isBlank()));
    }

    /** The server feature to add. */
    public AccessLogFeature feature() {
        return feature;
    }

    @Override
    public void close() {
        if (file != null) {
            logger.removeHandler(file);
            logger.setUseParentHandlers(true);
            file.close();
        }
    }

    private static FileHandler fileHandler(String path) {
        try {
            FileHandler handler = new FileHandler(path, FILE_LIMIT, FILE_COUNT, true);
            handler.setFormatter(new Formatter() {
                @Override
                public String format(LogRecord record) {
                    return record.getMessage() + System.lineSeparator();
                }
            });
            return handler;
        } catch (IOException e) {
            throw new UncheckedIOException("resident.access-log.file: cannot open " + path, e);
        }
    }
}
