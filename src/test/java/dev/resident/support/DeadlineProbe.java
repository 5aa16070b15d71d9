package dev.resident.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM for {@link DeadlineTest}: prints {@code waiting}, waits for a {@link Deadline} of
 * {@code args[0]} ms, then prints how long that took in wall-clock ms and how long the process
 * stood still.
 */
public final class DeadlineProbe {
    private DeadlineProbe() {
    }

    public static void main(String[] args) {
        Deadline deadline = Deadline.after(Duration.ofMillis(Long.parseLong(args[0])));
        long start = System.nanoTime();
        System.out.println("waiting");
        System.out.flush();
        while (!deadline.passed()) {
            LockSupport.parkNanos(deadline.slice());
        }
        long tookMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        System.out.println(tookMillis + " " + deadline.stoodStill().toMillis());
    }
}
