package dev.resident.load.setup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Opens many {@code /_bench} pages, {@code perConnection} of them on each connection (a
 * connection is a browser session; the first page of each mints its cookie).
 */
public final class PageOpener {
    private final Control control;
    private final int perConnection;
    private final int concurrency;

    public PageOpener(Control control, int perConnection, int concurrency) {
        this.control = control;
        this.perConnection = perConnection;
        this.concurrency = concurrency;
    }

    /**
     * Opens {@code count} pages; {@code params.apply(i)} gives the open params of page {@code i}.
     *
     * @return the pages in index order
     */
    public List<Control.Opened> open(int count, IntFunction<String> params) throws IOException, InterruptedException {
        int connections = (count + perConnection - 1) / perConnection;
        List<Control.Opened> opened = Collections.synchronizedList(new ArrayList<>(Collections.nCopies(count, null)));
        try (ExecutorService workers = Executors.newFixedThreadPool(concurrency, Thread.ofVirtual().factory())) {
            List<Future<?>> groups = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int first = c * perConnection;
                int last = Math.min(count, first + perConnection);
                groups.add(workers.submit(() -> {
                    String cookie = null;
                    for (int i = first; i < last; i++) {
                        Control.Opened page = control.openPage(cookie, params.apply(i));
                        cookie = page.page().cookie();
                        opened.set(i, page);
                    }
                    return null;
                }));
            }
            for (Future<?> group : groups) {
                Futures.join(group);
            }
        }
        return opened;
    }
}
