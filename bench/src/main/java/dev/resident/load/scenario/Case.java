package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** One measured situation of a scenario (e.g. {@code rpc}, {@code inc c64}), run against each server. */
public interface Case {
    /** The scenario: {@code rpc}, {@code ws-rpc}, {@code fanout}, {@code capacity}, {@code pages}. */
    String scenario();

    /** What varies inside the scenario, e.g. {@code inc c64}. */
    String name();

    /** Whether the trivial Helidon handler (the ceiling) can take this load. */
    default boolean ceilingToo() {
        return false;
    }

    /** Whether the protocol floor (the ceiling doing only what an {@code inc} call asks) runs this case. */
    default boolean floorToo() {
        return false;
    }

    /**
     * Load to run, unmeasured, against a ceiling started for it alone before the measured server
     * starts, so that the harness's own client code is compiled when the measurement begins; or
     * empty (the default) when the case needs none.
     */
    default Optional<Case> clientWarmup() {
        return Optional.empty();
    }

    /** Environment for a Resident server started for this case (short names of the README). */
    default Map<String, String> residentEnv() {
        return Map.of();
    }

    /** The case's parameters, recorded next to its numbers. */
    ObjectNode params();

    /** Drives the server and returns the measured numbers. */
    ObjectNode run(Run run) throws Exception;

    /**
     * What in {@code metrics} (returned by {@link #run}) shows the harness or the server broken
     * rather than slow: lost deliveries, errors, sockets that did not hold. Empty when sound.
     */
    List<String> problems(ObjectNode metrics);

    /** A problem naming {@code field} and its value when it is above {@code max}. */
    static List<String> above(ObjectNode metrics, String field, long max) {
        long value = metrics.path(field).asLong();
        return value > max ? List.of(field + " " + value) : List.of();
    }

    /** A problem naming {@code field} and its value when it is below {@code min}. */
    static List<String> below(ObjectNode metrics, String field, long min) {
        long value = metrics.path(field).asLong();
        return value < min ? List.of(field + " " + value + " < " + min) : List.of();
    }

    /** The problems of several checks in one list. */
    @SafeVarargs
    static List<String> join(List<String>... checks) {
        return Stream.of(checks).flatMap(List::stream).toList();
    }
}
