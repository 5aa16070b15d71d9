import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One user's page through the site's proxy while the page's process restarts, as resident.js
 * would live it (bench/restart-gap runs it): logs in as alice, opens /board, keeps its socket
 * (reconnect with resident.js's backoff, at once after 4307), calls rpc {@code online} over HTTP
 * every 0.2 s (an {@code unavailable} tried again after max(backoff, Retry-After), a
 * {@code page_moved} followed at once) and publishes a dbevent on {@code orders} every 0.2 s;
 * {@code RESTART_AFTER} seconds in, runs the restart command with the page's process (pNN) as its
 * last argument, and stops {@code RUN_AFTER} seconds after that. Prints every HTTP error answer and
 * socket event, then one summary line.
 *
 * <pre>java RestartGap.java http://127.0.0.1:18280 ADMIN_TOKEN supervisorctl -c site.conf restart</pre>
 */
public class RestartGap {
    static final long T0 = System.nanoTime();
    static final HttpClient HTTP = HttpClient.newBuilder()
            .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
            .connectTimeout(Duration.ofSeconds(5)).build();
    static volatile String pageId;
    static volatile String epoch = "";
    static volatile long seq;
    static volatile boolean running = true;
    static final List<String> events = new ArrayList<>();
    static final Map<String, Integer> answers = new TreeMap<>();
    static final AtomicInteger dbeventsSent = new AtomicInteger();
    static final AtomicInteger dbeventsSeen = new AtomicInteger();
    static final AtomicInteger resyncs = new AtomicInteger();
    static final List<Double> callMs = new ArrayList<>();
    static final List<Double> socketGaps = new ArrayList<>();
    static double restartedAt = -1;

    static double now() {
        return (System.nanoTime() - T0) / 1e9;
    }

    static synchronized void log(String event) {
        events.add(String.format("%7.3f %s", now(), event));
    }

    static synchronized void count(String answer) {
        answers.merge(answer, 1, Integer::sum);
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    static HttpResponse<String> post(String base, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static long backoffMs(int attempt) {
        long ceiling = Math.min(30_000, 500L << Math.min(attempt, 10));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    /** One rpc as resident.js sends it over HTTP: unavailable tried again (8 times), page_moved followed. */
    static void rpc(String base) throws Exception {
        long start = System.nanoTime();
        for (int attempt = 0; attempt < 9; attempt++) {
            HttpResponse<String> res;
            try {
                res = post(base, "/_/rpc?page_id=" + URLEncoder.encode(pageId, StandardCharsets.UTF_8), "{\"page_id\":\"" + pageId + "\",\"method\":\"online\"}", null);
            } catch (Exception e) {
                count("rpc network");
                log("rpc network " + e);
                return;
            }
            if (res.statusCode() == 200) {
                count("rpc 200");
                synchronized (RestartGap.class) {
                    callMs.add((System.nanoTime() - start) / 1e6);
                }
                return;
            }
            String code = field(res.body(), "code");
            String retryAfter = res.headers().firstValue("Retry-After").orElse("");
            count("rpc " + res.statusCode() + " " + code);
            log("rpc " + res.statusCode() + " " + code + " retry-after=" + retryAfter + " "
                    + field(res.body(), "message"));
            if (res.statusCode() == 409 && "page_moved".equals(code)) {
                pageId = field(res.body(), "page_id");
                attempt = -1;
                continue;
            }
            if (res.statusCode() != 503) {
                return;
            }
            long asked = retryAfter.isEmpty() ? 0 : Long.parseLong(retryAfter.trim()) * 1000;
            Thread.sleep(Math.max(Math.min(30_000, 500L << attempt), asked));
        }
    }

    static final class Socket implements WebSocket.Listener {
        final String base;
        int attempt;
        double closedAt = -1;
        final StringBuilder text = new StringBuilder();

        Socket(String base) {
            this.base = base;
        }

        void connect() {
            if (!running) {
                return;
            }
            String ws = base.replace("http://", "ws://") + "/_/ws?page_id=" + URLEncoder.encode(pageId, StandardCharsets.UTF_8)
                    + "&after=" + seq + "&epoch=" + URLEncoder.encode(epoch, StandardCharsets.UTF_8) + "&batch=1";
            HTTP.newWebSocketBuilder().header("Origin", base).buildAsync(URI.create(ws), this)
                    .whenComplete((socket, error) -> {
                        if (error != null) {
                            log("socket failed " + error.getCause());
                            retry();
                        }
                    });
        }

        void retry() {
            long delay = backoffMs(attempt++);
            CompletableFuture.delayedExecutor(delay, java.util.concurrent.TimeUnit.MILLISECONDS).execute(this::connect);
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String frames = text.toString();
                text.setLength(0);
                if (frames.contains("\"t\":\"hello\"")) {
                    String newEpoch = field(frames, "epoch");
                    if (!epoch.isEmpty() && !newEpoch.equals(epoch)) {
                        resyncs.incrementAndGet();
                    }
                    epoch = newEpoch;
                    pageId = field(frames, "page_id");
                    seq = Long.parseLong(field(frames, "seq"));
                    attempt = 0;
                    if (closedAt >= 0) {
                        synchronized (RestartGap.class) {
                            socketGaps.add(now() - closedAt);
                        }
                        closedAt = -1;
                    }
                    log("socket hello " + pageId);
                } else if (frames.contains("\"t\":\"ping\"")) {
                    socket.sendText("{\"t\":\"pong\"}", true);
                }
                for (int at = frames.indexOf("\"t\":\"dbevent\""); at >= 0; at = frames.indexOf("\"t\":\"dbevent\"", at + 1)) {
                    dbeventsSeen.incrementAndGet();
                }
                Matcher s = Pattern.compile("\"seq\":(\\d+)").matcher(frames);
                while (s.find() && !frames.contains("\"t\":\"hello\"")) {
                    seq = Math.max(seq, Long.parseLong(s.group(1)));
                }
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
            if (closedAt < 0) {
                closedAt = now();
            }
            log("socket closed " + code + " " + reason);
            count("socket close " + code);
            if (code == 4307 && !reason.isEmpty()) {
                pageId = reason;
                attempt = 0;
                connect();
            } else {
                retry();
            }
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            if (closedAt < 0) {
                closedAt = now();
            }
            log("socket error " + error);
            retry();
        }
    }

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String token = args[1];
        List<String> restart = new ArrayList<>(List.of(args).subList(2, args.length));
        double restartAfter = Double.parseDouble(System.getenv().getOrDefault("RESTART_AFTER", "3"));
        double runAfter = Double.parseDouble(System.getenv().getOrDefault("RUN_AFTER", "15"));
        HttpResponse<String> login = post(base, "/_/login", "{\"user\":\"alice\",\"password\":\"alice\"}", null);
        if (login.statusCode() != 200) {
            throw new IllegalStateException("login: " + login.statusCode() + " " + login.body());
        }
        HttpResponse<String> open = post(base, "/_/pages", "{\"path\":\"/board\",\"params\":{}}", null);
        if (open.statusCode() != 201) {
            throw new IllegalStateException("open: " + open.statusCode() + " " + open.body());
        }
        pageId = field(open.body(), "page_id");
        epoch = field(open.body(), "epoch");
        seq = Long.parseLong(field(open.body(), "seq"));
        String process = pageId.substring(pageId.indexOf('|') + 1);
        log("page " + pageId + " on " + process);
        new Socket(base).connect();
        Thread.ofPlatform().start(() -> {
            while (running) {
                try {
                    HttpResponse<String> res = post(base, "/_/dbevent",
                            "{\"table\":\"orders\",\"events\":[{\"action\":\"U\",\"pkey\":\"1001\"}]}", token);
                    if (res.statusCode() == 202) {
                        dbeventsSent.incrementAndGet();
                    } else {
                        count("dbevent " + res.statusCode());
                    }
                    Thread.sleep(200);
                } catch (Exception e) {
                    count("dbevent network");
                }
            }
        });
        Thread.ofPlatform().start(() -> {
            while (running) {
                long next = System.nanoTime() + 200_000_000;
                try {
                    rpc(base);
                    Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                } catch (Exception e) {
                    log("rpc loop " + e);
                }
            }
        });
        Thread.sleep((long) (restartAfter * 1000));
        restart.add("resident-" + process);
        restartedAt = now();
        log("restart " + String.join(" ", restart));
        Process p = new ProcessBuilder(restart).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        log("restart done: " + out.replace('\n', ' '));
        Thread.sleep((long) (runAfter * 1000));
        running = false;
        Thread.sleep(500);
        synchronized (RestartGap.class) {
            events.forEach(System.out::println);
            List<Double> sorted = new ArrayList<>(callMs);
            sorted.sort(null);
            double max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
            long slow = sorted.stream().filter(ms -> ms > 500).count();
            System.out.printf("{\"page_process\":\"%s\",\"answers\":%s,\"rpc_calls\":%d,\"rpc_max_ms\":%.0f,"
                            + "\"rpc_over_500ms\":%d,\"socket_gaps_s\":%s,\"dbevents_sent\":%d,\"dbevents_seen\":%d,"
                            + "\"resyncs\":%d}%n",
                    process, answers.toString().replace("=", ":"), sorted.size(), max, slow,
                    socketGaps.stream().map(g -> String.format("%.2f", g)).toList(), dbeventsSent.get(),
                    dbeventsSeen.get(), resyncs.get());
        }
        System.exit(0);
    }
}
