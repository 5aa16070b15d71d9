package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

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

    /** Environment for a Resident server started for this case (short names of the README). */
    default Map<String, String> residentEnv() {
        return Map.of();
    }

    /** The case's parameters, recorded next to its numbers. */
    ObjectNode params();

    /** Drives the server and returns the measured numbers. */
    ObjectNode run(Run run) throws Exception;
}
