package dev.resident.ops;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import java.util.function.BooleanSupplier;

/**
 * Readiness: DOWN while draining, while the bus cannot reach the other processes, or while the
 * state store cannot be written (pages are still served from memory meanwhile). Its detail
 * {@code released} turns true once a drain has handed every page over: a deploy then takes the
 * process out of its proxy (see {@link Linger}).
 */
public final class ReadyCheck implements HealthCheck {
    private final Lifecycle lifecycle;
    private final BooleanSupplier busConnected;
    private final BooleanSupplier stateReachable;

    /**
     * @param busConnected   whether the bus reaches the other processes ({@code Bus.connected})
     * @param stateReachable whether the state store can be written
     */
    public ReadyCheck(Lifecycle lifecycle, BooleanSupplier busConnected, BooleanSupplier stateReachable) {
        this.lifecycle = lifecycle;
        this.busConnected = busConnected;
        this.stateReachable = stateReachable;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "resident";
    }

    @Override
    public HealthCheckResponse call() {
        boolean draining = lifecycle.drainingOrCordoned();
        boolean busUp = busConnected.getAsBoolean();
        boolean stateUp = stateReachable.getAsBoolean();
        return HealthCheckResponse.builder()
                .status(!draining && busUp && stateUp)
                .detail("draining", draining)
                .detail("released", lifecycle.released())
                .detail("bus", busUp ? "connected" : "disconnected")
                .detail("state", stateUp ? "reachable" : "unreachable")
                .build();
    }
}
