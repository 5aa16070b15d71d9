package dev.resident.bus.nats;

import dev.resident.bus.Broadcast;
import dev.resident.bus.DbEvent;
import dev.resident.bus.UserNotice;
import dev.resident.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared NATS connection echoes, so the bus must know its own messages when they come back:
 * every message a process writes starts with its own prefix, and no other process's does (not even
 * one whose id begins with the same letters).
 */
@Timeout(10)
class OwnMessagesTest {

    @Test
    void everyMessageStartsWithItsOwnProcessPrefixAndNoOther() {
        byte[] own = new Envelope("p1").ownPrefix();
        for (String process : List.of("p1", "p10", "p", "x")) {
            Envelope envelope = new Envelope(process);
            for (byte[] message : List.of(
                    envelope.dbevent(new DbEvent("orders", Json.array().add(Json.object().put("action", "*")), null)),
                    envelope.notice(new UserNotice("bob", "hi", Json.object(), "alice")),
                    envelope.broadcast(new Broadcast("news", Json.object())))) {
                boolean startsWithOwn = message.length >= own.length
                        && Arrays.equals(message, 0, own.length, own, 0, own.length);
                if (process.equals("p1")) {
                    assertTrue(startsWithOwn, new String(message));
                } else {
                    assertFalse(startsWithOwn, process + ": " + new String(message));
                }
            }
        }
    }
}
