package dev.resident.support;

import java.net.URI;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the server's Prometheus metrics and health, as a scraper or a load balancer would. */
public final class Observe {
    private final Browser client;

    public Observe(URI server) {
        this.client = new Browser(server);
    }

    /** The value of a metric of this server (summed over tags), 0 when absent. */
    public double metric(String name) {
        String text = client.get("/observe/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /** HTTP status of {@code /observe/health/ready}: 200 UP, 503 DOWN. */
    public int readyStatus() {
        return client.get("/observe/health/ready").status();
    }
}
