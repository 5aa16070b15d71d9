package dev.resident.load.ceiling;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * The ceiling's bare cross-process hop: a dbevent published on NATS (core, no JetStream) reaches
 * every other ceiling on it, whose client's dispatcher thread sends it to that ceiling's sockets
 * in the bare write loop. Its own messages do not come back ({@code noEcho}). The client's
 * threads are platform threads, as Resident's are (its bus, "Cross-process fanout over NATS").
 */
final class CeilingRelay {
    private static final String SUBJECT = "ceiling.dbevent";
    private final Connection connection;

    private CeilingRelay(Connection connection) {
        this.connection = connection;
    }

    static CeilingRelay connect(String url, CeilingSockets sockets) throws Exception {
        Connection connection = Nats.connect(new Options.Builder()
                .server(url)
                .noEcho()
                .executor(Executors.newCachedThreadPool(Thread.ofPlatform().daemon().name("ceiling-nats-", 0).factory()))
                .build());
        connection.createDispatcher(message -> {
            String text = new String(message.getData(), StandardCharsets.UTF_8);
            int newline = text.indexOf('\n');
            String table = text.substring(0, newline);
            String events = text.substring(newline + 1);
            sockets.sendToAll(seq -> frame(seq, table, events));
        }).subscribe(SUBJECT);
        connection.flush(java.time.Duration.ofSeconds(5)); // subscribed before the first dbevent
        return new CeilingRelay(connection);
    }

    /** Publishes a dbevent's table and events (compact JSON each, so no newline) to the others. */
    void publish(String table, String events) {
        connection.publish(SUBJECT, (table + "\n" + events).getBytes(StandardCharsets.UTF_8));
    }

    static String frame(long seq, String table, String events) {
        return "{\"t\":\"dbevent\",\"seq\":" + seq + ",\"table\":" + table + ",\"events\":" + events + "}";
    }
}
