package dev.resident.load;

import dev.resident.load.report.HtmlReport;
import dev.resident.load.report.ResultLog;

import java.nio.file.Path;

/**
 * {@code bench/run [--peers DIR] [--scenario NAME...] [--quick] [--servers URL,...] [--report]};
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
            HtmlReport.write(new ResultLog(options.resultsDir()).readAll(), options.resultsDir().resolve("report.html"));
            return;
        }
        new Bench(options).run();
    }
}
