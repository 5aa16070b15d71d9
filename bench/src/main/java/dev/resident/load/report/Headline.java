package dev.resident.load.report;

import java.util.List;

/**
 * The numbers of a scenario worth a row in the table and a chart in the report.
 *
 * @param label  row label, e.g. {@code req/s}
 * @param metric key in the result's {@code metrics}
 */
record Headline(String label, String metric) {
    static List<Headline> of(String scenario) {
        return switch (scenario) {
            case "rpc", "ws-rpc" -> List.of(new Headline("req/s", "throughput"),
                    new Headline("p99 ms", "p99_ms"), new Headline("errors", "error_count"));
            case "fanout" -> List.of(new Headline("deliveries/s", "deliveries_per_s"),
                    new Headline("p99 ms", "p99_ms"), new Headline("lost", "lost"),
                    new Headline("publish/s", "published_per_s"));
            case "fanout-max" -> List.of(new Headline("deliveries/s p99<50ms", "best_deliveries_per_s"));
            case "capacity" -> List.of(new Headline("sockets held", "held"),
                    new Headline("bytes/socket rss", "rss_bytes_per_socket"),
                    new Headline("bytes/socket heap", "heap_bytes_per_socket"));
            case "pages" -> List.of(new Headline("pages", "pages"),
                    new Headline("bytes/page rss", "rss_bytes_per_page"),
                    new Headline("bytes/page heap", "heap_bytes_per_page"));
            case "cold" -> List.of(new Headline("first-window req/s", "first_throughput"),
                    new Headline("warm req/s", "warm_throughput"), new Headline("first ÷ warm", "first_of_warm"));
            default -> List.of();
        };
    }
}
