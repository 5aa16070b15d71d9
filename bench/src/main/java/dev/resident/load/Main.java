package dev.resident.load;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.load.report.HtmlReport;
import dev.resident.load.report.ResultLog;
import dev.resident.load.report.Table;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code bench/run [--peers DIR] [--scenario NAME...] [--quick | --smoke] [--servers URL,...] [--report]}
 * ({@code --report}: the table of the latest recorded results and {@code report.html}, no run);
 * {@code bench/run} passes {@code -Dbench.home} (the {@code bench/} directory).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("bench.home", "bench")).toAbsolutePath().normalize();
        Path javaHome = Path.of(System.getProperty("java.home"));
        Options options;
        try {
            options = Options.parse(args, home, javaHome);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (options.reportOnly()) {
            List<JsonNode> lines = new ResultLog(options.resultsDir()).readAll();
            System.out.print(Table.render(HtmlReport.latest(lines), "(no peer results recorded)"));
            HtmlReport.write(lines, options.resultsDir().resolve("report.html"));
            return;
        }
        if (!new Bench(options).run()) {
            System.exit(1);
        }
    }
}
