package dev.resident.load.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.load.scenario.Recorder;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;

/**
 * Several fleets holding one set of pages between them, each from its own source address
 * (127.0.0.2, 127.0.0.3, ...) so that no fleet runs out of local ports.
 */
public final class Fleets implements AutoCloseable {
    private final List<Fleet> fleets = new ArrayList<>();

    private Fleets() {
    }

    /**
     * Starts enough fleets for {@code pages}, at most {@code perFleet} sockets each, opening
     * {@code rate} sockets per second in total.
     */
    public static Fleets start(FleetLauncher launcher, List<FleetPage> pages, int perFleet, double rate)
            throws IOException {
        Fleets started = new Fleets();
        int count = (pages.size() + perFleet - 1) / perFleet;
        try {
            for (int i = 0; i < count; i++) {
                List<FleetPage> slice = pages.subList(i * perFleet, Math.min(pages.size(), (i + 1) * perFleet));
                started.fleets.add(Fleet.start(launcher, slice, "127.0.0." + (2 + i), rate / count, i));
            }
        } catch (IOException e) {
            started.close();
            throw e;
        }
        return started;
    }

    /** Waits for every fleet's ramp; true when every socket settled (opened or failed). */
    public boolean awaitRamped(long timeoutSeconds) throws IOException, InterruptedException {
        boolean settled = true;
        for (Fleet fleet : fleets) {
            settled &= fleet.awaitRamped(timeoutSeconds).path("all_settled").asBoolean();
        }
        return settled;
    }

    /** The fleets' counts added up. */
    public Report report() throws IOException, InterruptedException {
        Report total = new Report();
        for (Fleet fleet : fleets) {
            total.add(fleet.report());
        }
        return total;
    }

    /** Forgets deliveries and latencies so far (between the steps of a rate sweep). */
    public void reset() throws IOException, InterruptedException {
        for (Fleet fleet : fleets) {
            fleet.reset();
        }
    }

    /** The fleet processes. */
    public List<Long> pids() {
        return fleets.stream().map(Fleet::pid).toList();
    }

    @Override
    public void close() {
        fleets.forEach(Fleet::close);
    }

    /** Counts of all fleets; latencies in microseconds. */
    public static final class Report {
        public long opened;
        public long failed;
        public long openNow;
        public long delivered;
        public long gaps;
        public long pings;
        public final Histogram latency = Recorder.newHistogram();

        void add(JsonNode line) throws IOException {
            opened += line.path("opened").asLong();
            failed += line.path("failed").asLong();
            openNow += line.path("open_now").asLong();
            delivered += line.path("delivered").asLong();
            gaps += line.path("gaps").asLong();
            pings += line.path("pings").asLong();
            try {
                latency.add(Histogram.decodeFromCompressedByteBuffer(
                        ByteBuffer.wrap(Base64.getDecoder().decode(line.path("latency").asText())), 0));
            } catch (DataFormatException e) {
                throw new IOException("bad latency histogram from a fleet", e);
            }
        }
    }
}
