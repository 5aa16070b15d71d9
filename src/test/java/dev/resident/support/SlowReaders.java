package dev.resident.support;

import dev.resident.support.Browser.Reply;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pushes large dbevents at sockets that read and sockets that do not, until the server cuts one. */
public final class SlowReaders {
    /** The table the pages of these tests watch (the bench page's {@code benchPage("orders")}). */
    public static final String TABLE = "orders";
    private static final String RECORD = "x".repeat(60_000);

    private SlowReaders() {
    }

    /** A page that never reads its socket, and one that reads every frame, both watching {@link #TABLE}. */
    public record Pair(Browser slowBrowser, String slowPage, SocketClient slow, SocketClient reader) {
    }

    /** Opens the {@link Pair}: the reader's socket has had its hello. */
    public static Pair open(URI uri) {
        Browser slowBrowser = new Browser(uri);
        String slowPage = slowBrowser.benchPage(TABLE);
        SocketClient slow = SocketClient.open(slowBrowser, slowPage, java.util.Map.of(), null, false);
        Browser readerBrowser = new Browser(uri);
        SocketClient reader = readerBrowser.socket(readerBrowser.benchPage(TABLE));
        reader.next("hello");
        return new Pair(slowBrowser, slowPage, slow, reader);
    }

    /**
     * Publishes dbevents of 60 K characters, one at a time, until the server has closed a socket as
     * a slow consumer; {@code reader} must get each one in time.
     */
    public static void publishUntilOneIsCut(URI uri, SocketClient reader) {
        Observe observe = new Observe(uri);
        int published = 0;
        double before = observe.metric("resident_sockets_slow_consumer_closes_total");
        while (observe.metric("resident_sockets_slow_consumer_closes_total") < before + 1) {
            assertTrue(published < 2000, "the slow client was never cut");
            published++;
            Reply reply = DbEvents.insert(uri, TABLE, published, RECORD);
            assertEquals(202, reply.status(), reply.body());
            int pkey = reader.next(frame -> "dbevent".equals(frame.path("t").asText()))
                    .get("events").get(0).get("pkey").asInt();
            assertEquals(published, pkey, "the reading client is in time");
        }
    }
}
