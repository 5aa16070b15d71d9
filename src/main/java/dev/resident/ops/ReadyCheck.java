package dev.resident.ops;

import dev.resident.bus.Bus;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import java.util.function.BooleanSupplier;

/**
 * Readiness: DOWN while draining, while the bus cannot reach the other processes, or while the
 * state store cannot be written (pages are still served from memory meanwhile).
 */
public final class ReadyCheck implements HealthCheck {
    private final Lifecycle lifecycle;
    private final Bus bus;
    private final BooleanSupplier stateReachable;

    public ReadyCheck(Lifecycle lifecycle, Bus bus, BooleanSupplier stateReachable) {
        this.lifecycle = lifecycle;
        this.bus = bus;
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
        boolean draining = lifecycle.draining();
        boolean busUp = bus.connected();
        boolean stateUp = stateReachable.getAsBoolean();
        return HealthCheckResponse.builder()
                .status(!draining && busUp && stateUp)
                .detail("draining", draining)
                .detail("bus", busUp ? "connected" : "disconnected")
                .detail("state", stateUp ? "reachable" : "unreachable")
                .build();
    }
}
