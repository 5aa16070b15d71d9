package dev.resident.support;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the server's Prometheus metrics (with the test servers' observe token) and health, as a scraper or a load balancer would. */
public final class Observe {
    private final Browser client;

    public Observe(URI server) {
        this.client = new Browser(server);
    }

    /** The value of a metric of this server (summed over tags), 0 when absent. */
    public double metric(String name) {
        return sum(name, "");
    }

    /** The value of a metric tagged {@code process="<process>"}: one of several servers in this JVM. */
    public double metric(String name, String process) {
        return sum(name, "process=\"" + process + "\"");
    }

    /** The whole Prometheus text. */
    public String text() {
        return client.send(HttpRequest.newBuilder(client.base().resolve("/observe/metrics"))
                .header("Authorization", "Bearer " + TestServers.OBSERVE_TOKEN).GET()).body();
    }

    /** The sum of the metric's lines whose tags contain {@code tag}. */
    private double sum(String name, String tag) {
        String text = text();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(text);
        double total = 0;
        while (m.find()) {
            if (m.group(1) == null ? tag.isEmpty() : m.group(1).contains(tag)) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    /** HTTP status of {@code /observe/health/ready}: 200 UP, 503 DOWN. */
    public int readyStatus() {
        return client.get("/observe/health/ready").status();
    }
}
