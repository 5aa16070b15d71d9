package dev.resident.bus.nats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Settings get defaults, refuse contradictions and keep secrets out of logs. */
@Timeout(10)
class NatsSettingsTest {

    @Test
    void defaultsDeriveTheGraceFromTheReconnectSchedule() {
        NatsSettings settings = NatsSettings.builder("p01")
                .reconnectMaxWait(Duration.ofSeconds(2)).reconnectJitter(Duration.ofMillis(500)).build();
        assertEquals(List.of(NatsSettings.DEFAULT_URL), settings.servers());
        assertEquals(NatsSettings.DEFAULT_PREFIX, settings.prefix());
        assertEquals(Duration.ofMillis(3500), settings.resubscribeGrace());
    }

    @Test
    void contradictionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> NatsSettings.builder("p01").user("u").build(),
                "user without password");
        assertThrows(IllegalArgumentException.class,
                () -> NatsSettings.builder("p01").user("u").password("p").token("t").build(), "two methods");
        assertThrows(IllegalArgumentException.class, () -> NatsSettings.builder("p01").prefix("my site").build());
        assertThrows(IllegalArgumentException.class, () -> NatsSettings.builder("p01").prefix("site.>").build());
        assertThrows(IllegalArgumentException.class, () -> NatsSettings.builder("p01").servers(List.of()).build());
        assertThrows(IllegalArgumentException.class, () -> NatsSettings.builder("").build());
        assertThrows(IllegalArgumentException.class,
                () -> NatsSettings.builder("p01").reconnectMaxWait(Duration.ofMillis(10)).build(), "max below wait");
    }

    @Test
    void toStringHidesSecrets() {
        String text = NatsSettings.builder("p01").user("resident").password("s3cret").build().toString();
        assertTrue(text.contains("user resident"), text);
        assertFalse(text.contains("s3cret"), text);
        assertFalse(NatsSettings.builder("p01").token("t0ken").build().toString().contains("t0ken"));
    }

    /** A login written in a server URL is a login, and is never shown (a helper found it in the log). */
    @Test
    void aLoginInAServerUrlIsALoginAndHidden() {
        NatsSettings settings = NatsSettings.builder("p01")
                .servers(List.of("nats://resident:Sekr1tPw@127.0.0.1:4222", "nats://127.0.0.1:4223")).build();
        assertTrue(settings.logsIn());
        assertFalse(settings.toString().contains("Sekr1tPw"), settings.toString());
        assertEquals(List.of("nats://***@127.0.0.1:4222", "nats://127.0.0.1:4223"), settings.shownServers());
        assertEquals("tls://***@h:1", NatsSettings.shown("tls://tok@h:1"));
        assertEquals("nats://h:1/p@x", NatsSettings.shown("nats://h:1/p@x"), "an @ after the host is no login");
        assertFalse(NatsSettings.builder("p01").build().logsIn());
    }
}
