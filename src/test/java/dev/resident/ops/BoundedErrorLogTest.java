package dev.resident.ops;

import org.junit.jupiter.api.Test;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a burst of failures leaves in the log: a few stacks, a bounded number of lines, the rest counted. */
class BoundedErrorLogTest {

    @Test
    void aBurstLogsItsFirstStacksThenLinesThenOnlyTheirNumber() {
        String name = "bounded-error-log-test";
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger(name).addHandler(handler);
        try {
            BoundedErrorLog log = new BoundedErrorLog(System.getLogger(name), Level.ERROR, Duration.ofHours(1), 3, 10);
            for (int i = 0; i < 1000; i++) {
                log.log("failure " + i, new IllegalStateException("boom " + i));
            }
            assertEquals(10, records.size(), "the lines of a period are bounded");
            for (int i = 0; i < 3; i++) {
                assertNotNull(records.get(i).getThrown(), "the first ones with their stack");
            }
            for (int i = 3; i < 10; i++) {
                assertNull(records.get(i).getThrown(), "then one line each");
                assertTrue(records.get(i).getMessage().contains("boom " + i), records.get(i).getMessage());
            }
        } finally {
            Logger.getLogger(name).removeHandler(handler);
        }
    }
}
