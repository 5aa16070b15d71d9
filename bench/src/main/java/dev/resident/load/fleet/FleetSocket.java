package dev.resident.load.fleet;

import dev.resident.load.net.Ascii;
import dev.resident.load.net.WsLink;
import dev.resident.load.net.WsListener;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One page socket of a fleet: waits for hello, then counts dbevents (latency from their
 * {@code record.ts_us}, or {@code record.ts} in milliseconds), checks that seqs follow each other,
 * and answers {@code {"t":"ping"}} with {@code {"t":"pong"}}.
 */
final class FleetSocket implements WsListener {
    private static final byte[] HELLO = bytes("\"hello\"");
    private static final byte[] DBEVENT = bytes("\"dbevent\"");
    private static final byte[] PING = bytes("\"ping\"");
    private static final byte[] PONG = bytes("{\"t\":\"pong\"}");
    private static final byte[] SEQ = bytes("\"seq\"");
    private static final byte[] TS_US = bytes("\"ts_us\"");
    private static final byte[] TS = bytes("\"ts\"");
    private final FleetStats stats;
    private final Runnable settled;
    private boolean helloed;
    private long seq;

    /**
     * @param settled called once, when the socket has said hello or failed before that
     */
    FleetSocket(FleetStats stats, Runnable settled) {
        this.stats = stats;
        this.settled = settled;
    }

    @Override
    public void onOpen(WsLink link) {
    }

    @Override
    public void onText(WsLink link, byte[] buf, int from, int to) {
        if (Ascii.isType(buf, from, to, DBEVENT)) {
            delivered(buf, from, to);
        } else if (Ascii.isType(buf, from, to, PING)) {
            stats.pings++;
            link.sendText(PONG);
        } else if (!helloed && Ascii.isType(buf, from, to, HELLO)) {
            helloed = true;
            seq = Ascii.longField(buf, from, to, SEQ);
            stats.opened++;
            settled.run();
        } else {
            stats.otherMessages++;
            seq = Math.max(seq, Ascii.longField(buf, from, to, SEQ));
        }
    }

    @Override
    public void onClosed(WsLink link, int code, Throwable cause) {
        if (helloed) {
            stats.closed++;
        } else {
            stats.failed++;
            settled.run();
        }
    }

    private void delivered(byte[] buf, int from, int to) {
        Instant now = Instant.now();
        long nowMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        long sentMicros = Ascii.longField(buf, from, to, TS_US);
        if (sentMicros < 0) {
            sentMicros = Ascii.longField(buf, from, to, TS) * 1_000;
        }
        stats.latency.recordValue(Math.max(1, Math.min(nowMicros - sentMicros, stats.latency.getHighestTrackableValue())));
        stats.delivered++;
        long next = Ascii.longField(buf, from, to, SEQ);
        if (next != seq + 1) {
            stats.gaps += Math.abs(next - seq - 1);
        }
        seq = next;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
