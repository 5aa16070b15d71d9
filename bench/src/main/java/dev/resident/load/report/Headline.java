package dev.resident.load.report;

import java.util.List;

/**
 * The numbers of a scenario worth a row in the table and a chart in the report.
 *
 * @param label        row label, e.g. {@code req/s}
 * @param metric       key in the result's {@code metrics}
 * @param higherBetter whether more is better (throughput) or worse (latency, memory)
 */
record Headline(String label, String metric, boolean higherBetter) {
    static List<Headline> of(String scenario) {
        return switch (scenario) {
            case "rpc", "ws-rpc" -> List.of(new Headline("req/s", "throughput", true),
                    new Headline("p99 ms", "p99_ms", false), new Headline("errors", "error_count", false));
            case "fanout" -> List.of(new Headline("deliveries/s", "deliveries_per_s", true),
                    new Headline("p99 ms", "p99_ms", false), new Headline("lost", "lost", false),
                    new Headline("publish/s", "published_per_s", true));
            case "fanout-max" -> List.of(new Headline("deliveries/s p99<50ms", "best_deliveries_per_s", true));
            case "capacity" -> List.of(new Headline("sockets held", "held", true),
                    new Headline("bytes/socket rss", "rss_bytes_per_socket", false),
                    new Headline("bytes/socket heap", "heap_bytes_per_socket", false));
            case "pages" -> List.of(new Headline("pages", "pages", true),
                    new Headline("bytes/page rss", "rss_bytes_per_page", false),
                    new Headline("bytes/page heap", "heap_bytes_per_page", false));
            default -> List.of();
        };
    }
}
