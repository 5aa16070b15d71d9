package dev.resident.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The messages one logger gets while this is open (the server under test logs through java.util.logging). */
public final class LogLines extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final List<String> withStacks = new CopyOnWriteArrayList<>();

    private LogLines(Logger logger) {
        this.logger = logger;
    }

    /** Starts collecting what the logger {@code name} (a class name, usually) gets. */
    public static LogLines of(String name) {
        LogLines lines = new LogLines(Logger.getLogger(name));
        lines.logger.addHandler(lines);
        return lines;
    }

    /** The messages so far that contain {@code text}. */
    public List<String> containing(String text) {
        return messages.stream().filter(message -> message.contains(text)).toList();
    }

    /** The messages so far that carry a stack (a throwable), and contain {@code text}. */
    public List<String> withStackContaining(String text) {
        return withStacks.stream().filter(message -> message.contains(text)).toList();
    }

    @Override
    public void publish(LogRecord record) {
        messages.add(record.getMessage());
        if (record.getThrown() != null) {
            withStacks.add(record.getMessage());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
