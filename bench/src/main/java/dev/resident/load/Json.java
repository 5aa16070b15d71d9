package dev.resident.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.io.UncheckedIOException;

/** JSON for result lines: one shared mapper and the latency summary every scenario reports. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON string literal. */
    public static String quote(String text) {
        return write(text);
    }

    public static JsonNode valueOf(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** Adds {@code p50_ms}, {@code p90_ms}, {@code p99_ms}, {@code p999_ms}, {@code max_ms} of a µs histogram. */
    public static void latency(ObjectNode metrics, Histogram micros) {
        metrics.put("p50_ms", millis(micros.getValueAtPercentile(50)))
                .put("p90_ms", millis(micros.getValueAtPercentile(90)))
                .put("p99_ms", millis(micros.getValueAtPercentile(99)))
                .put("p999_ms", millis(micros.getValueAtPercentile(99.9)))
                .put("max_ms", millis(micros.getMaxValue()));
    }

    private static double millis(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
