package dev.resident.dbevents.pg;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings refuse what could not be a channel, a table or a PostgreSQL URL, and never show the password. */
class PgSettingsTest {

    @Test
    void channelTablesAndUrlAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:postgresql://h/db", "bad channel", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:postgresql://h/db", "x\"; NOTIFY y", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:postgresql://h/db", "c".repeat(64), Set.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:mysql://h/db", "ok", Set.of()));
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:postgresql://h/db", "ok", Set.of("a.b.c")));
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:postgresql://h/db", "ok", Set.of("a..b")));
        assertThrows(IllegalArgumentException.class, () -> settings("jdbc:postgresql://h/db", "ok", Set.of("a b")));
        assertTrue(settings("jdbc:postgresql://h/db", "ok", Set.of("sales.invoices")).allows("sales.invoices"),
                "a name given with as_name => 'pkg.table'");
        PgSettings any = settings("jdbc:postgresql://h/db?user=u&password=secret", "resident_dbevents", Set.of());
        assertTrue(any.allows("whatever"));
        assertFalse(any.toString().contains("secret"), any.toString());
        PgSettings some = settings("jdbc:postgresql://h/db", "c", Set.of("orders"));
        assertTrue(some.allows("orders"));
        assertFalse(some.allows("users"));
    }

    private static PgSettings settings(String url, String channel, Set<String> tables) {
        return new PgSettings(url, "", "", channel, tables, Duration.ofMillis(250), Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(5), 262_144);
    }
}
