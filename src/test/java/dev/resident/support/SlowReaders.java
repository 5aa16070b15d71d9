package dev.resident.support;

import dev.resident.support.Browser.Reply;

import java.net.URI;
import java.net.http.HttpRequest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pushes large dbevents at sockets that read and sockets that do not, until the server cuts one. */
public final class SlowReaders {
    /** The table the pages of these tests watch (the bench page's {@code benchPage("orders")}). */
    public static final String TABLE = "orders";
    private static final String RECORD = "x".repeat(60_000);

    private SlowReaders() {
    }

    /**
     * Publishes dbevents of 60 K characters, one at a time, until the server has closed a socket as
     * a slow consumer; {@code reader} must get each one in time.
     */
    public static void publishUntilOneIsCut(URI uri, SocketClient reader) {
        Observe observe = new Observe(uri);
        int published = 0;
        while (observe.metric("resident_sockets_slow_consumer_closes_total") < 1) {
            assertTrue(published < 2000, "the slow client was never cut");
            published++;
            Reply reply = publish(uri, published);
            assertEquals(202, reply.status(), reply.body());
            int pkey = reader.next(frame -> "dbevent".equals(frame.path("t").asText()))
                    .get("events").get(0).get("pkey").asInt();
            assertEquals(published, pkey, "the reading client is in time");
        }
    }

    private static Reply publish(URI uri, int pkey) {
        String body = "{\"table\":\"" + TABLE + "\",\"events\":[{\"action\":\"I\",\"pkey\":" + pkey
                + ",\"record\":{\"blob\":\"" + RECORD + "\"}}]}";
        return new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
