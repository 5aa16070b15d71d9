package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;
import dev.resident.load.setup.Control;
import dev.resident.load.setup.PageOpener;
import dev.resident.load.target.Usage;

import java.util.List;
import java.util.OptionalLong;

/**
 * {@code pages}: opens {@code pages} resident pages, each given ~1 KB of data (ten 90-character
 * strings, different on every page) in its open params {@code data}, and reports the server's
 * memory per page. A server whose {@code /_bench} pages do not keep {@code data} is marked
 * {@code data_kept: false}: its number is then a lower bound.
 */
public final class PagesCase implements Case {
    private static final int PER_CONNECTION = 16;
    private final int pages;

    public PagesCase(int pages) {
        this.pages = pages;
    }

    @Override
    public String scenario() {
        return "pages";
    }

    @Override
    public String name() {
        return "p" + pages + " 1KB";
    }

    @Override
    public ObjectNode params() {
        return Json.object().put("pages", pages).put("data_bytes", data(0).length())
                .put("pages_per_connection", PER_CONNECTION);
    }

    @Override
    public List<String> problems(ObjectNode metrics) {
        return Case.below(metrics, "pages", pages);
    }

    @Override
    public ObjectNode run(Run run) throws Exception {
        Usage usage = run.server().usage();
        OptionalLong heapBefore = usage.heapAfterGcBytes();
        long rssBefore = usage.rssBytes();
        long start = System.nanoTime();
        List<Control.Opened> opened;
        try (Control control = new Control(run.server().base())) {
            opened = new PageOpener(control, PER_CONNECTION, 16).open(pages, i -> "{\"tables\":[],\"data\":" + data(i) + "}");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        OptionalLong heapAfter = usage.heapAfterGcBytes();
        long rssAfter = usage.rssBytes();
        ObjectNode metrics = Json.object()
                .put("pages", opened.size())
                .put("open_s", Math.round(seconds * 10) / 10.0)
                .put("opens_per_s", Math.round(pages / seconds))
                .put("data_kept", opened.getFirst().data().has("data"))
                .put("rss_mb_before", rssBefore >> 20)
                .put("rss_mb", rssAfter >> 20)
                .put("rss_bytes_per_page", (rssAfter - rssBefore) / pages);
        if (heapBefore.isPresent() && heapAfter.isPresent()) {
            metrics.put("heap_mb_before", heapBefore.getAsLong() >> 20)
                    .put("heap_mb", heapAfter.getAsLong() >> 20)
                    .put("heap_bytes_per_page", (heapAfter.getAsLong() - heapBefore.getAsLong()) / pages);
        }
        return metrics;
    }

    /** ~1 KB of JSON: ten fields of 90 characters that differ from page to page. */
    public static String data(int page) {
        StringBuilder json = new StringBuilder("{");
        for (int field = 0; field < 10; field++) {
            String text = ("page " + page + " field " + field + " ").repeat(10);
            json.append(field == 0 ? "" : ",").append("\"f").append(field).append("\":\"")
                    .append(text, 0, 90).append('"');
        }
        return json.append('}').toString();
    }
}
