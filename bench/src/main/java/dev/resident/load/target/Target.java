package dev.resident.load.target;

import java.io.IOException;
import java.util.Map;

/** A kind of server the harness can start, fresh for every case. */
public interface Target {
    /** {@code resident}, {@code ceiling}, {@code asgi}, {@code legacy}. */
    String name();

    /**
     * Starts a server on a free loopback port and waits until it answers.
     *
     * @param residentEnv settings a case wants (Resident's short environment names); others ignore them
     */
    Running start(Map<String, String> residentEnv) throws IOException, InterruptedException;
}
