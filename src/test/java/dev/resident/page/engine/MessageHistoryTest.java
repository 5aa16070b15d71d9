package dev.resident.page.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring behind a page's replay: seqs, bounds and replays across its wrap and its growth. */
class MessageHistoryTest {
    @Test
    void replaysTheKeptRunAcrossWrapsAndGrowth() {
        MessageHistory history = new MessageHistory(40); // a continued page keeps counting
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String body = "\"n\":" + i + "}";
            long seq = history.append("data", body, 1_000, true);
            assertEquals(41 + i, seq);
            sent.add(MessageHistory.text("data", seq, body));
            // 3 to 37 kept as the run goes on: the ring wraps at every size, then grows
            history.trim(3 + i / 8, Long.MAX_VALUE, 0);
            int kept = Math.min(i + 1, 3 + i / 8);
            assertTrue(history.reaches(seq - kept));
            assertFalse(history.reaches(seq - kept - 1), "the seq before the oldest kept is not reached");
            assertEquals(sent.subList(sent.size() - kept, sent.size()), history.after(seq - kept));
            assertEquals(sent.subList(sent.size() - 1, sent.size()), history.after(seq - 1));
        }
        assertEquals(340, history.seq());
    }

    @Test
    void replaysOwnAndSharedBodiesAcrossCompactionsAndQuietSpells() {
        MessageHistory history = new MessageHistory(0);
        List<String> sent = new ArrayList<>();
        List<Long> ownSizes = new ArrayList<>(); // each message's characters when it is the page's own, else 0
        for (int i = 0; i < 2_000; i++) {
            boolean own = i % 3 != 0;
            // bodies of every length from 2 to ~600 bytes, some not ASCII, so the own bytes
            // are moved to the front, grown and shrunk again as the run goes on
            String body = "\"v\":\"" + (i % 7 == 0 ? "é€😀" : "x").repeat(i * 37 % 150) + "\"}";
            String kind = own ? "data" : i % 2 == 0 ? "dbevent" : "broadcast";
            long seq = history.append(kind, body, i, own);
            sent.add(MessageHistory.text(kind, seq, body));
            ownSizes.add(own ? 15 + 19 + kind.length() + body.length() : 0L);
            history.trim(1 + i % 40, Long.MAX_VALUE, 0);
            int kept = Math.min(i + 1, 1 + i % 40);
            long ownChars = ownSizes.subList(sent.size() - kept, sent.size()).stream().mapToLong(Long::longValue).sum();
            assertEquals(ownChars, history.ownChars(), "own characters at " + i);
            assertEquals(sent.subList(sent.size() - kept, sent.size()), history.after(seq - kept));
        }
        history.trim(0, Long.MAX_VALUE, 0);
        assertEquals(0, history.ownChars(), "nothing kept, nothing counted");
        long seq = history.append("data", "\"after\":\"quiet\"}", 0, true);
        assertEquals(List.of("{\"t\":\"data\",\"seq\":2001,\"after\":\"quiet\"}"), history.after(seq - 1));
    }

    @Test
    void refusesAKindItCannotKeep() {
        MessageHistory history = new MessageHistory(0);
        assertThrows(IllegalArgumentException.class, () -> history.append("hello", "}", 0, false));
        assertEquals(0, history.seq());
    }

    @Test
    void dropsTheOldestPastItsCharactersOrAge() {
        MessageHistory history = new MessageHistory(0);
        history.append("data", "x".repeat(100) + "}", 1_000, true);
        history.append("data", "y".repeat(100) + "}", 2_000, true);
        history.append("data", "z}", 3_000, true);
        history.trim(10, Long.MAX_VALUE, 2_000); // older than 2,000 ms goes
        assertFalse(history.reaches(0));
        assertTrue(history.reaches(1));
        // each counts its envelope (34) and kind besides its body: 139 + 40 characters, not in 100
        history.trim(10, 100, 0);
        assertFalse(history.reaches(1));
        assertEquals(List.of("{\"t\":\"data\",\"seq\":3,z}"), history.after(2));
        history.trim(10, 0, 0);
        assertFalse(history.reaches(2), "nothing kept: every replay is a resync");
        assertEquals(3, history.seq(), "the seq outlives the messages");
    }
}
