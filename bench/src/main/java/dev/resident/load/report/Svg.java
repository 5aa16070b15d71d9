package dev.resident.load.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hand-written inline SVG charts (no script, no CDN): grouped bars and lines, linear or
 * logarithmic, one colour per server.
 */
final class Svg {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 260;
    private static final int LEFT = 70;
    private static final int RIGHT = 130;
    private static final int TOP = 30;
    private static final int BOTTOM = 60;
    private static final Map<String, String> COLOURS = Map.of("resident", "#2563eb", "ceiling", "#9ca3af", "floor", "#d97706",
            "asgi", "#16a34a", "legacy", "#dc2626", "external", "#7c3aed");

    private Svg() {
    }

    /** A series: a server's values, one per category (NaN for none). */
    record Series(String name, double[] values) {
    }

    static String colour(String name) {
        return COLOURS.getOrDefault(name, "#f59e0b");
    }

    /** Bars grouped by category, one bar per series. */
    static String bars(String title, String unit, List<String> categories, List<Series> series, boolean log) {
        Scale scale = Scale.of(series, log);
        StringBuilder svg = frame(title, unit, scale, series);
        double groupWidth = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, categories.size());
        double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double groupX = LEFT + c * groupWidth + groupWidth * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double value = series.get(s).values()[c];
                if (Double.isNaN(value)) {
                    continue;
                }
                double y = scale.y(value);
                svg.append(String.format(Locale.ROOT,
                        "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'><title>%s %s: %s %s</title></rect>",
                        groupX + s * barWidth, y, Math.max(1, barWidth - 2), HEIGHT - BOTTOM - y,
                        colour(series.get(s).name()), series.get(s).name(), escape(categories.get(c)),
                        Table.number(value), unit));
            }
            double x = LEFT + c * groupWidth + groupWidth / 2;
            svg.append(String.format(Locale.ROOT,
                    "<text x='%.1f' y='%d' class='label' transform='rotate(-12 %.1f %d)'>%s</text>",
                    x, HEIGHT - BOTTOM + 18, x, HEIGHT - BOTTOM + 18, escape(categories.get(c))));
        }
        return svg.append("</svg>").toString();
    }

    /** Lines over shared x labels, one line per series. */
    static String lines(String title, String unit, List<String> xLabels, List<Series> series, boolean log) {
        Scale scale = Scale.of(series, log);
        StringBuilder svg = frame(title, unit, scale, series);
        double step = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, xLabels.size() - 1);
        for (int i = 0; i < xLabels.size(); i++) {
            label(svg, LEFT + i * step, HEIGHT - BOTTOM + 16, xLabels.get(i));
        }
        for (Series line : series) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < line.values().length; i++) {
                double value = line.values()[i];
                if (Double.isNaN(value)) {
                    continue;
                }
                double x = LEFT + i * step;
                double y = scale.y(value);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                svg.append(String.format(Locale.ROOT,
                        "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'><title>%s %s: %s %s</title></circle>",
                        x, y, colour(line.name()), line.name(), escape(xLabels.get(i)), Table.number(value), unit));
            }
            svg.append("<polyline fill='none' stroke-width='2' stroke='").append(colour(line.name()))
                    .append("' points='").append(points).append("'/>");
        }
        return svg.append("</svg>").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;");
    }

    private static StringBuilder frame(String title, String unit, Scale scale, List<Series> series) {
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 %d %d' width='%d' height='%d' class='chart'>",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='18' class='title'>%s</text>", LEFT, escape(title)));
        for (double tick : scale.ticks()) {
            double y = scale.y(tick);
            svg.append(String.format(Locale.ROOT,
                    "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' class='grid'/><text x='%d' y='%.1f' class='tick'>%s</text>",
                    LEFT, WIDTH - RIGHT, y, y, LEFT - 6, y + 4, Table.number(tick)));
        }
        svg.append(String.format(Locale.ROOT, "<text x='12' y='%d' class='unit' transform='rotate(-90 12 %d)'>%s</text>",
                HEIGHT / 2, HEIGHT / 2, escape(unit)));
        for (int s = 0; s < series.size(); s++) {
            int y = TOP + 10 + s * 18;
            svg.append(String.format(Locale.ROOT,
                    "<rect x='%d' y='%d' width='12' height='12' fill='%s'/><text x='%d' y='%d' class='legend'>%s</text>",
                    WIDTH - RIGHT + 14, y - 10, colour(series.get(s).name()), WIDTH - RIGHT + 32, y,
                    escape(series.get(s).name())));
        }
        return svg;
    }

    private static void label(StringBuilder svg, double x, double y, String text) {
        svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' class='label'>%s</text>", x, y, escape(text)));
    }

    /** Value → pixel mapping of the y axis. */
    private record Scale(double min, double max, boolean log) {
        static Scale of(List<Series> series, boolean log) {
            double max = 0;
            double min = Double.MAX_VALUE;
            for (Series s : series) {
                for (double v : s.values()) {
                    if (!Double.isNaN(v)) {
                        max = Math.max(max, v);
                        if (v > 0) {
                            min = Math.min(min, v);
                        }
                    }
                }
            }
            if (log) {
                double low = Math.pow(10, Math.floor(Math.log10(min == Double.MAX_VALUE ? 1 : min)));
                double high = Math.pow(10, Math.ceil(Math.log10(Math.max(max, low * 10))));
                return new Scale(low, high, true);
            }
            return new Scale(0, niceCeiling(max), false);
        }

        double y(double value) {
            double span = HEIGHT - TOP - BOTTOM;
            double fraction = log
                    ? (Math.log10(Math.max(value, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                    : value / max;
            return HEIGHT - BOTTOM - fraction * span;
        }

        double[] ticks() {
            if (log) {
                int decades = (int) Math.round(Math.log10(max / min));
                double[] ticks = new double[decades + 1];
                for (int i = 0; i <= decades; i++) {
                    ticks[i] = min * Math.pow(10, i);
                }
                return ticks;
            }
            return new double[]{0, max / 4, max / 2, max * 3 / 4, max};
        }

        private static double niceCeiling(double value) {
            if (value <= 0) {
                return 1;
            }
            double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
            for (double step : new double[]{1, 2, 2.5, 5, 10}) {
                if (step * magnitude >= value) {
                    return step * magnitude;
                }
            }
            return 10 * magnitude;
        }
    }
}
