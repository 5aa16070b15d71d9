package dev.resident.load.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The side-by-side text table of one run, with Resident ÷ other ratios. */
public final class Table {
    private static final List<String> ORDER = List.of("resident", "ceiling", "floor", "asgi", "legacy");

    private Table() {
    }

    /**
     * @param lines   the run's results
     * @param aloneNote printed when no peer was measured
     */
    public static String render(List<JsonNode> lines, String aloneNote) {
        Map<String, Map<String, JsonNode>> byCase = new LinkedHashMap<>();
        List<String> targets = new ArrayList<>();
        for (JsonNode line : lines) {
            String target = line.path("target").asText();
            if (!targets.contains(target)) {
                targets.add(target);
            }
            byCase.computeIfAbsent(line.path("scenario").asText() + " " + line.path("case").asText(),
                    key -> new LinkedHashMap<>()).put(target, line);
        }
        targets.sort((a, b) -> Integer.compare(rank(a), rank(b)));
        List<String> others = targets.stream().filter(t -> !t.equals("resident")).toList();
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("case", "metric"));
        header.addAll(targets);
        others.forEach(other -> header.add("res/" + other));
        rows.add(header);
        byCase.forEach((name, results) -> {
            String scenario = results.values().iterator().next().path("scenario").asText();
            for (Headline headline : Headline.of(scenario)) {
                List<String> row = new ArrayList<>(List.of(name, headline.label()));
                for (String target : targets) {
                    row.add(cell(results.get(target), headline.metric()));
                }
                for (String other : others) {
                    row.add(ratio(results.get("resident"), results.get(other), headline.metric()));
                }
                rows.add(row);
            }
        });
        StringBuilder out = new StringBuilder();
        int[] widths = new int[header.size()];
        rows.forEach(row -> {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        });
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                String text = row.get(i);
                out.append(i < 2 ? pad(text, widths[i]) : padLeft(text, widths[i])).append("  ");
            }
            out.append('\n');
        }
        if (others.stream().noneMatch(t -> t.equals("asgi") || t.equals("legacy"))) {
            out.append(aloneNote).append('\n');
        }
        return out.toString();
    }

    static String cell(JsonNode line, String metric) {
        if (line == null) {
            return "-";
        }
        if (line.has("error")) {
            return "failed";
        }
        JsonNode value = line.path("metrics").get(metric);
        return value == null || value.isNull() ? "-" : number(value.asDouble());
    }

    static String ratio(JsonNode resident, JsonNode other, String metric) {
        if (resident == null || other == null) {
            return "-";
        }
        double a = resident.path("metrics").path(metric).asDouble(Double.NaN);
        double b = other.path("metrics").path(metric).asDouble(Double.NaN);
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }

    static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) value);
        }
        return String.format(Locale.ROOT, Math.abs(value) < 10 ? "%.2f" : "%,.1f", value);
    }

    private static int rank(String target) {
        int i = ORDER.indexOf(target);
        return i < 0 ? ORDER.size() : i;
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(width - text.length());
    }

    private static String padLeft(String text, int width) {
        return " ".repeat(width - text.length()) + text;
    }
}
