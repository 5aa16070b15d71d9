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
        return metricTagged(name);
    }

    /** The value of a metric tagged {@code process="<process>"}: one of several servers in this JVM. */
    public double metric(String name, String process) {
        return metricTagged(name, "process=\"" + process + "\"");
    }

    /** The sum of the metric's lines whose tags contain every one of {@code tags} (e.g. {@code method="inc"}). */
    public double metricTagged(String name, String... tags) {
        double total = 0;
        for (String[] line : lines(name)) {
            if (java.util.Arrays.stream(tags).allMatch(line[0]::contains)) {
                total += Double.parseDouble(line[1]);
            }
        }
        return total;
    }

    /** The whole Prometheus text. */
    public String text() {
        return client.send(HttpRequest.newBuilder(client.base().resolve("/observe/metrics"))
                .header("Authorization", "Bearer " + TestServers.OBSERVE_TOKEN).GET()).body();
    }

    /** The metric's lines as their tags ({@code {…}}, empty when none) and their value. */
    private java.util.List<String[]> lines(String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+|NaN)$").matcher(text());
        java.util.List<String[]> lines = new java.util.ArrayList<>();
        while (m.find()) {
            lines.add(new String[] {m.group(1) == null ? "" : m.group(1), m.group(2)});
        }
        return lines;
    }

    /** HTTP status of {@code /observe/health/ready}: 200 UP, 503 DOWN. */
    public int readyStatus() {
        return client.get("/observe/health/ready").status();
    }
}
