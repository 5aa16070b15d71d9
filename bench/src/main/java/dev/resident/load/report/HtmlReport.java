package dev.resident.load.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * {@code results/report.html}: for every scenario, case and server the latest recorded result
 * (full runs preferred over {@code --quick} ones), drawn as inline SVG charts, with the table and
 * the JSON lines they come from. Works offline.
 */
public final class HtmlReport {
    private static final List<String> SERVER_ORDER = List.of("resident", "ceiling", "floor", "asgi", "legacy", "external");
    private static final String[] PERCENTILES = {"p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"};

    private HtmlReport() {
    }

    public static void write(List<JsonNode> lines, Path file) throws IOException {
        List<JsonNode> latest = latest(lines);
        StringBuilder html = new StringBuilder("""
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Resident bench</title><style>
                body{font:14px system-ui,sans-serif;margin:24px;max-width:1400px;color:#111}
                h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
                .charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fafafa;border:1px solid #eee}
                .title{font-weight:600;font-size:13px}.tick,.legend,.unit{font-size:11px;fill:#444}
                .tick{text-anchor:end}.label{font-size:11px;text-anchor:middle;fill:#222}.grid{stroke:#e5e5e5}
                table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
                td:first-child,td:nth-child(2),th{text-align:left}pre{font-size:11px;white-space:pre-wrap}
                </style></head><body><h1>Resident bench</h1>
                """);
        html.append("<p>Generated ").append(Instant.now()).append(" from <code>bench/results/*.jsonl</code> (")
                .append(lines.size()).append(" results; the latest per scenario, case and server is shown")
                .append(latest.stream().anyMatch(l -> l.path("quick").asBoolean()) ? ", some from --quick runs" : "")
                .append("). Machine: 2 cores shared with other work; each result records its load.</p>");
        html.append("<h2>Summary</h2>").append(summary(latest));
        Map<String, List<JsonNode>> byScenario = new LinkedHashMap<>();
        latest.forEach(line -> byScenario.computeIfAbsent(line.path("scenario").asText(), k -> new ArrayList<>()).add(line));
        byScenario.forEach((scenario, results) -> html.append("<h2>").append(scenario).append("</h2><div class='charts'>")
                .append(charts(scenario, results)).append("</div>"));
        html.append("<h2>Source lines</h2><details><summary>JSON</summary><pre>");
        latest.forEach(line -> html.append(Svg.escape(line.toString())).append('\n'));
        html.append("</pre></details></body></html>\n");
        Files.createDirectories(file.getParent());
        Files.writeString(file, html, StandardCharsets.UTF_8);
    }

    /** The latest successful result per scenario, case and server; full runs win over quick ones. */
    public static List<JsonNode> latest(List<JsonNode> lines) {
        boolean anyFull = lines.stream().anyMatch(l -> !l.path("quick").asBoolean() && !l.has("error"));
        Map<String, JsonNode> chosen = new LinkedHashMap<>();
        lines.stream()
                .filter(l -> !l.has("error") && (!anyFull || !l.path("quick").asBoolean()))
                .sorted(Comparator.comparing(l -> l.path("at").asText()))
                .forEach(l -> chosen.put(l.path("scenario").asText() + "|" + l.path("case").asText() + "|"
                        + l.path("target").asText(), l));
        return new ArrayList<>(chosen.values());
    }

    private static String summary(List<JsonNode> latest) {
        StringBuilder table = new StringBuilder("<table>");
        for (String row : Table.render(latest, "").split("\n")) {
            if (row.isBlank()) {
                continue;
            }
            table.append("<tr>");
            for (String cell : row.trim().split("\\s{2,}")) {
                table.append("<td>").append(Svg.escape(cell)).append("</td>");
            }
            table.append("</tr>");
        }
        return table.append("</table>").toString();
    }

    private static String charts(String scenario, List<JsonNode> results) {
        List<String> cases = new ArrayList<>(new LinkedHashSet<>(results.stream().map(l -> l.path("case").asText()).toList()));
        List<String> servers = servers(results);
        StringBuilder out = new StringBuilder();
        switch (scenario) {
            case "rpc", "ws-rpc" -> {
                out.append(Svg.bars(scenario + ": throughput", "req/s", cases, series(results, cases, servers,
                        m -> m.path("throughput").asDouble()), true));
                for (String name : cases) {
                    out.append(percentiles(scenario + " " + name + ": latency", at(results, name), servers));
                }
            }
            case "fanout" -> {
                out.append(Svg.bars("fanout: deliveries per second", "deliveries/s", cases,
                        series(results, cases, servers, m -> m.path("deliveries_per_s").asDouble()), true));
                for (String name : cases) {
                    out.append(percentiles("fanout " + name + ": delivery latency", at(results, name), servers));
                }
            }
            case "fanout-max" -> out.append(sweep(results, servers));
            case "capacity" -> {
                out.append(Svg.bars("capacity: sockets held", "sockets", cases,
                        series(results, cases, servers, m -> m.path("held").asDouble()), false));
                out.append(Svg.bars("capacity: server memory per socket (RSS)", "bytes", cases,
                        series(results, cases, servers, m -> m.path("rss_bytes_per_socket").asDouble()), false));
                out.append(Svg.bars("capacity: Java heap per socket after GC", "bytes", cases,
                        series(results, cases, servers, m -> m.path("heap_bytes_per_socket").asDouble(Double.NaN)), false));
            }
            case "pages" -> {
                out.append(Svg.bars("pages: server memory per page (RSS)", "bytes", cases,
                        series(results, cases, servers, m -> m.path("rss_bytes_per_page").asDouble()), false));
                out.append(Svg.bars("pages: Java heap per page after GC", "bytes", cases,
                        series(results, cases, servers, m -> m.path("heap_bytes_per_page").asDouble(Double.NaN)), false));
            }
            case "cold" -> out.append(Svg.bars("cold: rpc throughput in a fresh server's first seconds", "req/s", cases,
                    series(results, cases, servers, m -> m.path("first_throughput").asDouble()), true));
            default -> {
            }
        }
        return out.toString();
    }

    private static String percentiles(String title, List<JsonNode> results, List<String> servers) {
        List<Svg.Series> series = new ArrayList<>();
        for (String server : servers) {
            results.stream().filter(l -> l.path("target").asText().equals(server)).findFirst().ifPresent(l -> {
                double[] values = new double[PERCENTILES.length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = l.path("metrics").path(PERCENTILES[i]).asDouble(Double.NaN);
                }
                series.add(new Svg.Series(server, values));
            });
        }
        return Svg.lines(title, "ms", List.of("p50", "p90", "p99", "p99.9", "max"), series, true);
    }

    /** p99 and deliveries/s of each step of the rate sweep. */
    private static String sweep(List<JsonNode> results, List<String> servers) {
        List<String> rates = new ArrayList<>();
        results.forEach(l -> l.path("params").path("rates").forEach(r -> {
            if (!rates.contains(r.asText())) {
                rates.add(r.asText());
            }
        }));
        List<Svg.Series> p99 = new ArrayList<>();
        List<Svg.Series> deliveries = new ArrayList<>();
        for (String server : servers) {
            results.stream().filter(l -> l.path("target").asText().equals(server)).findFirst().ifPresent(l -> {
                double[] latency = new double[rates.size()];
                double[] rate = new double[rates.size()];
                java.util.Arrays.fill(latency, Double.NaN);
                java.util.Arrays.fill(rate, Double.NaN);
                for (JsonNode step : l.path("metrics").path("steps")) {
                    int i = rates.indexOf(step.path("rate").asText());
                    if (i >= 0) {
                        latency[i] = step.path("p99_ms").asDouble();
                        rate[i] = step.path("deliveries_per_s").asDouble();
                    }
                }
                p99.add(new Svg.Series(server, latency));
                deliveries.add(new Svg.Series(server, rate));
            });
        }
        List<String> labels = rates.stream().map(r -> r.replace(".0", "") + "/s").toList();
        return Svg.lines("fanout-max: p99 delivery latency by publish rate", "ms", labels, p99, true)
                + Svg.lines("fanout-max: deliveries per second by publish rate", "deliveries/s", labels, deliveries, true);
    }

    private static List<Svg.Series> series(List<JsonNode> results, List<String> cases, List<String> servers,
                                           ToDoubleFunction<JsonNode> metric) {
        List<Svg.Series> series = new ArrayList<>();
        for (String server : servers) {
            double[] values = new double[cases.size()];
            for (int c = 0; c < cases.size(); c++) {
                String name = cases.get(c);
                values[c] = results.stream()
                        .filter(l -> l.path("target").asText().equals(server) && l.path("case").asText().equals(name))
                        .mapToDouble(l -> metric.applyAsDouble(l.path("metrics"))).findFirst().orElse(Double.NaN);
            }
            series.add(new Svg.Series(server, values));
        }
        return series;
    }

    private static List<JsonNode> at(List<JsonNode> results, String name) {
        return results.stream().filter(l -> l.path("case").asText().equals(name)).toList();
    }

    private static List<String> servers(List<JsonNode> results) {
        Set<String> present = new LinkedHashSet<>();
        results.forEach(l -> present.add(l.path("target").asText()));
        List<String> ordered = new ArrayList<>(SERVER_ORDER.stream().filter(present::contains).toList());
        present.stream().filter(s -> !ordered.contains(s)).forEach(ordered::add);
        return ordered;
    }
}
