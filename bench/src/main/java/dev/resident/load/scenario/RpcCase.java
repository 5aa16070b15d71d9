package dev.resident.load.scenario;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.load.Json;
import dev.resident.load.net.EventLoop;
import dev.resident.load.net.WsLink;
import dev.resident.load.setup.Control;
import dev.resident.load.setup.OpenedPage;
import dev.resident.load.setup.PageOpener;
import dev.resident.load.target.Usage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code rpc} and {@code ws-rpc}: {@code clients} closed-loop clients, each a browser session with
 * its own {@code /_bench} page, calling {@code method} for the measured window.
 */
public final class RpcCase implements Case {
    private static final long GRACE_SECONDS = 30;
    private final boolean socket;
    private final String method;
    private final String params;
    private final int clients;
    private final double warmup;
    private final double seconds;

    /**
     * @param socket  true for {@code ws-rpc} (calls as socket frames), false for {@code POST /_/rpc}
     * @param params  the method's params as JSON
     */
    public RpcCase(boolean socket, String method, String params, int clients, double warmup, double seconds) {
        this.socket = socket;
        this.method = method;
        this.params = params;
        this.clients = clients;
        this.warmup = warmup;
        this.seconds = seconds;
    }

    @Override
    public String scenario() {
        return socket ? "ws-rpc" : "rpc";
    }

    @Override
    public String name() {
        String work = params.equals("{}") ? "" : " " + params.replaceAll("[{}\"]", "").replace("_ms:", "")
                .replace(",", "+");
        return method + work + " c" + clients;
    }

    @Override
    public boolean ceilingToo() {
        return method.equals("inc");
    }

    @Override
    public boolean floorToo() {
        return method.equals("inc");
    }

    @Override
    public ObjectNode params() {
        ObjectNode node = Json.object().put("method", method).put("clients", clients)
                .put("warmup_s", warmup).put("seconds", seconds);
        node.set("params", Json.parse(params));
        return node;
    }

    @Override
    public ObjectNode run(Run run) throws Exception {
        List<OpenedPage> pages = new ArrayList<>();
        try (Control control = new Control(run.server().base())) {
            new PageOpener(control, 1, 32).open(clients, i -> "{}").forEach(opened -> pages.add(opened.page()));
        }
        List<Recorder> recorders = new ArrayList<>();
        List<EventLoop> loops = run.loops().all();
        loops.forEach(loop -> recorders.add(new Recorder()));
        CountDownLatch done = new CountDownLatch(clients);
        Window window = Window.after(warmup, seconds);
        Usage usage = run.server().usage();
        Usage client = run.client(List::of);
        for (int i = 0; i < clients; i++) {
            int slot = i % loops.size();
            driver(run, loops.get(slot), window, recorders.get(slot), done::countDown, pages.get(i)).start();
        }
        run.timer().schedule(() -> {
            usage.mark();
            client.mark();
        }, (long) (warmup * 1000), TimeUnit.MILLISECONDS);
        boolean allDone = done.await((long) ((warmup + seconds + GRACE_SECONDS) * 1000), TimeUnit.MILLISECONDS);
        Usage.Delta server = usage.sinceMark();
        double clientCores = client.sinceMark().cores();
        Recorder total = Collect.merge(loops, recorders);
        ObjectNode metrics = Json.object()
                .put("requests", total.okCount())
                .put("throughput", Math.round(total.okCount() / window.seconds()))
                .put("error_count", total.errorCount())
                .put("unfinished_clients", allDone ? 0 : done.getCount());
        Json.latency(metrics, total.latency());
        metrics.set("errors", Json.valueOf(total.errors()));
        server.into(metrics);
        metrics.put("client_cpu_cores", clientCores);
        return metrics;
    }

    @Override
    public List<String> problems(ObjectNode metrics) {
        return Case.join(Case.below(metrics, "requests", 1), Case.above(metrics, "error_count", 0),
                Case.above(metrics, "unfinished_clients", 0));
    }

    private RpcDriver driver(Run run, EventLoop loop, Window window, Recorder recorder, Runnable onFinish, OpenedPage page) {
        String id = Json.quote(page.pageId());
        if (socket) {
            String target = WsLink.pageTarget(page.pageId());
            String tail = ",\"method\":\"" + method + "\",\"params\":" + params + "}";
            return new WsRpcDriver(run, loop, window, recorder, onFinish, target, page.cookieHeader(), tail);
        }
        String body = "{\"page_id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /_/rpc HTTP/1.1\r\nHost: " + run.server().base().getAuthority()
                + "\r\nContent-Type: application/json\r\nCookie: " + page.cookieHeader()
                + "\r\nContent-Length: " + bodyBytes.length + "\r\n\r\n";
        byte[] request = (head + body).getBytes(StandardCharsets.UTF_8);
        return new HttpRpcDriver(run, loop, window, recorder, onFinish, request);
    }
}
