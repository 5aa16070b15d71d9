package dev.resident.load.target;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Servers someone else started ({@code --servers}), e.g. several Resident processes joined by
 * NATS: measured as they are, never started or stopped here, no process probe.
 */
public final class ExternalTarget implements Target {
    private final List<URI> servers;
    private final String adminToken;

    public ExternalTarget(List<URI> servers, String adminToken) {
        this.servers = servers;
        this.adminToken = adminToken;
    }

    @Override
    public String name() {
        return "external";
    }

    @Override
    public Running start(Map<String, String> residentEnv) {
        Usage usage = new Usage(List::of, null);
        return new Running(servers, adminToken, usage, () -> { });
    }
}
