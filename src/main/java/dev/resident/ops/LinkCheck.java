package dev.resident.ops;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

import java.util.function.BooleanSupplier;

/** Readiness of one link the server needs (the PostgreSQL dbevents link): DOWN while it is down. */
public final class LinkCheck implements HealthCheck {
    private final String name;
    private final BooleanSupplier up;

    public LinkCheck(String name, BooleanSupplier up) {
        this.name = name;
        this.up = up;
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public HealthCheckResponse call() {
        boolean connected = up.getAsBoolean();
        return HealthCheckResponse.builder()
                .status(connected)
                .detail("link", connected ? "connected" : "disconnected")
                .build();
    }
}
