package dev.resident.ops;

import dev.resident.bus.Bus;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/** Readiness: DOWN while draining or while the bus cannot reach the other processes. */
public final class ReadyCheck implements HealthCheck {
    private final Lifecycle lifecycle;
    private final Bus bus;

    public ReadyCheck(Lifecycle lifecycle, Bus bus) {
        this.lifecycle = lifecycle;
        this.bus = bus;
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
        return HealthCheckResponse.builder()
                .status(!draining && busUp)
                .detail("draining", draining)
                .detail("bus", busUp ? "connected" : "disconnected")
                .build();
    }
}
