package dev.resident.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.Resident;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Machine;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/grafana/resident.json} and {@code deploy/prometheus/alerts.yml} parse, promtool
 * accepts the rules and {@code deploy/prometheus.yml}, every alert passes its unit tests
 * ({@code deploy/prometheus/alerts-test.yml}), and every metric they query is one a running server
 * exports at {@code /observe/metrics}.
 */
@ServerTest
@Timeout(60)
class DashboardsTest {
    private static final Path DASHBOARD = Path.of("deploy/grafana/resident.json");
    private static final Path ALERTS = Path.of("deploy/prometheus/alerts.yml");
    private static final Path ALERT_TESTS = Path.of("deploy/prometheus/alerts-test.yml");
    private static final Path PROMETHEUS = Path.of("deploy/prometheus.yml");
    /** Metrics Prometheus makes itself: {@code up} of each scrape. */
    private static final Set<String> SCRAPE_METRICS = Set.of("up");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan");
    private static final Pattern NAME = Pattern.compile("(?<![A-Za-z0-9_:.$])[A-Za-z_:][A-Za-z0-9_:]*+(?!\\s*\\()");
    private static Resident resident;
    private final URI uri;

    DashboardsTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of("resident.process", "p01"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsExported() throws IOException {
        Set<String> exported = exported();
        Set<String> queried = new TreeSet<>(dashboardMetrics());
        queried.addAll(alertMetrics());
        queried.removeAll(SCRAPE_METRICS);
        Set<String> unknown = new TreeSet<>(queried);
        unknown.removeAll(exported);
        assertEquals(Set.of(), unknown, "queried but not exported; exported: " + exported);
    }

    @Test
    void theDashboardCoversCallsPagesDeliveryTheBusTheJvmAndTheStateStore() throws IOException {
        Set<String> queried = dashboardMetrics();
        for (String wanted : List.of("resident_rpc_seconds_count", "resident_rpc_seconds_bucket",
                "resident_sockets_open", "resident_pages", "resident_users", "resident_messages_pushed_total",
                "resident_dbevents_published_total", "resident_resyncs_total",
                "resident_sockets_slow_consumer_closes_total", "resident_bus_connected",
                "resident_bus_disconnects_total", "memory_usedHeap_bytes", "memory_maxHeap_bytes",
                "gc_time_seconds_total", "resident_state_reachable", "resident_state_pending",
                "resident_state_snapshot_lag_seconds_bucket", "resident_state_write_failures_total",
                "resident_pages_lost_total", "resident_pages_unusable_total")) {
            assertTrue(queried.contains(wanted), wanted + " has a panel");
        }
        JsonNode dashboard = Json.parse(Files.readString(DASHBOARD));
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.get("type").asText().equals("row")) {
                assertFalse(panel.get("targets").isEmpty(), panel.get("title").asText());
            }
        }
    }

    @Test
    void theAlertsCoverReadinessTheBusSlowConsumersTheHeapTheStateStoreAndTasks() throws IOException {
        Set<String> alerts = new TreeSet<>();
        rules().forEach(rule -> alerts.add((String) rule.get("alert")));
        assertTrue(alerts.containsAll(Set.of("ResidentProcessNotReady", "ResidentBusDisconnected",
                "ResidentSlowConsumerClosesRising", "ResidentHeapNearCap", "ResidentStateUnreachable",
                "ResidentSnapshotsBehind", "ResidentPagesLost", "ResidentLeaseLapsed", "ResidentSavedPagesUnusable",
                "ResidentTasksRejected")), alerts.toString());
        Set<String> queried = alertMetrics();
        assertTrue(queried.containsAll(Set.of("resident_ready", "resident_bus_connected",
                "resident_sockets_slow_consumer_closes_total", "memory_usedHeap_bytes", "memory_maxHeap_bytes",
                "resident_state_reachable", "resident_state_snapshot_lag_seconds_bucket", "resident_pages_lost_total",
                "resident_lease_lapses_total", "resident_pages_unusable_total", "resident_tasks_rejected_total")));
    }

    /** Every alert of alerts.yml fires on the series it is meant for and not on healthy ones (promtool's unit tests). */
    @Test
    void theAlertsFireWhenTheyShould() throws Exception {
        Set<String> tested = new TreeSet<>();
        Matcher alertname = Pattern.compile("alertname: (\\w+)").matcher(Files.readString(ALERT_TESTS));
        while (alertname.find()) {
            tested.add(alertname.group(1));
        }
        Set<String> alerts = new TreeSet<>();
        rules().forEach(rule -> alerts.add((String) rule.get("alert")));
        assertEquals(alerts, tested, "every alert has a test");
        String output = run(Machine.program("promtool"), "test", "rules", ALERT_TESTS.toString());
        assertTrue(output.contains("SUCCESS"), output);
    }

    @Test
    void promtoolAcceptsTheRulesAndTheConfig() throws Exception {
        String promtool = Machine.program("promtool");
        assertTrue(run(promtool, "check", "rules", ALERTS.toString()).contains("SUCCESS: 11 rules found"));
        assertTrue(run(promtool, "check", "config", "--syntax-only", PROMETHEUS.toString()).contains("SUCCESS"));
    }

    @Test
    void metricNamesAreFoundInQueries() {
        assertEquals(Set.of("a_total", "b_bucket"), names(
                "histogram_quantile(0.95, sum by (le, method) (rate(b_bucket{m=~\"x|y\"}[5m]))) / on (process) a_total offset 5m"));
    }

    /** The metric names a running server exports, after an rpc so that the rpc timer exists. */
    private Set<String> exported() {
        Browser browser = new Browser(uri);
        assertEquals(200, browser.rpc(browser.benchPage(), "inc").status());
        Set<String> names = new TreeSet<>();
        for (String line : new dev.resident.support.Observe(browser.base()).text().lines().toList()) {
            if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static Set<String> dashboardMetrics() throws IOException {
        JsonNode dashboard = Json.parse(Files.readString(DASHBOARD));
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                names.addAll(names(target.get("expr").asText()));
            }
        }
        Matcher labelValues = Pattern.compile("label_values\\((\\w+),").matcher(dashboard.get("templating").toString());
        while (labelValues.find()) {
            names.add(labelValues.group(1));
        }
        return names;
    }

    private static Set<String> alertMetrics() throws IOException {
        Set<String> names = new TreeSet<>();
        rules().forEach(rule -> names.addAll(names((String) rule.get("expr"))));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws IOException {
        Map<String, Object> file = new Yaml().load(Files.readString(ALERTS));
        List<Map<String, Object>> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
            rules.addAll((List<Map<String, Object>>) group.get("rules"));
        }
        assertFalse(rules.isEmpty());
        return rules;
    }

    /** The metric names in a PromQL expression: identifiers that are not functions, labels, keywords or strings. */
    static Set<String> names(String expr) {
        String bare = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "")
                .replaceAll("\\b\\d+(\\.\\d+)?[smhdwy]\\b", "");
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(bare);
        while (m.find()) {
            if (!KEYWORDS.contains(m.group().toLowerCase(java.util.Locale.ROOT))) {
                names.add(m.group());
            }
        }
        return names;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
        return output;
    }
}
