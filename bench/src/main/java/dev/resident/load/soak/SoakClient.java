package dev.resident.load.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resident.load.setup.Control;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

/**
 * One browser: a session cookie kept across its pages; in a loop it opens a {@code /_bench} page
 * subscribed to the soak table, calls it over a socket, drops the socket, calls over HTTP, resumes
 * on a new socket with {@code after}, closes the page; now and then it logs in or out (a new
 * session each time, the old one deleted by the server). Every message's seq must follow the
 * previous one; anything unexpected is counted in {@link Errors}.
 */
final class SoakClient implements Runnable {
    static final String TABLE = "soak";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FRAME_WAIT = Duration.ofSeconds(30);
    private static final String[] USERS = {"alice", "bob", "carol"};
    private final HttpClient http;
    private final URI base;
    private final Counters counters;
    private final Errors errors;
    private final LoginPacer logins;
    private final BooleanSupplier running;
    private String cookie;
    private boolean loggedIn;
    private long lastSeq;

    SoakClient(HttpClient http, URI base, Counters counters, Errors errors, LoginPacer logins, BooleanSupplier running) {
        this.http = http;
        this.base = base;
        this.counters = counters;
        this.errors = errors;
        this.logins = logins;
        this.running = running;
    }

    @Override
    public void run() {
        while (running.getAsBoolean()) {
            try {
                session();
                cycle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException | RuntimeException e) {
                if (running.getAsBoolean()) {
                    errors.add(kind(e), String.valueOf(e.getMessage()));
                }
            }
        }
    }

    /** Now and then a login (a new session) or a logout (a new guest session). */
    private void session() throws IOException, InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (cookie == null || random.nextInt(6) != 0) {
            return;
        }
        if (!loggedIn && logins.tryAcquire()) {
            String user = USERS[random.nextInt(USERS.length)];
            send(post("/_/login", "{\"user\":\"" + user + "\",\"password\":\"" + user + "\"}"), 200, "login");
            loggedIn = true;
            counters.logins.increment();
        } else if (loggedIn) {
            send(post("/_/logout", "{}"), 204, "logout");
            loggedIn = false;
            counters.logouts.increment();
        }
    }

    private void cycle() throws IOException, InterruptedException {
        JsonNode opened = JSON.readTree(send(post("/_/pages",
                "{\"path\":\"/_bench\",\"params\":{\"tables\":[\"" + TABLE + "\"]}}"), 201, "open").body());
        counters.pagesOpened.increment();
        String pageId = opened.path("page_id").asText();
        String epoch = opened.path("epoch").asText();
        lastSeq = opened.path("seq").asLong();
        String quotedId = JSON.writeValueAsString(pageId);

        socketCalls(pageId, epoch, 4, true);
        pause();
        JsonNode reply = JSON.readTree(send(post("/_/rpc", "{\"page_id\":" + quotedId
                + ",\"method\":\"inc\",\"after\":" + lastSeq + "}"), 200, "rpc").body());
        counters.rpcs.increment();
        if (reply.path("resync").asBoolean()) {
            errors.add("resync_http", pageId);
        }
        for (JsonNode message : reply.path("messages")) {
            message(message);
        }
        pause();
        socketCalls(pageId, epoch, 2, false);
        pause();
        send(post("/_/close", "{\"page_id\":" + quotedId + "}"), 204, "close");
        counters.pagesClosed.increment();
        pause();
    }

    /** A socket resumed after {@link #lastSeq}: {@code calls} rpcs (and a notification to itself), then closed. */
    private void socketCalls(String pageId, String epoch, int calls, boolean notifySelf)
            throws IOException, InterruptedException {
        SoakSocket socket = SoakSocket.open(http, base, cookie, pageId, lastSeq, epoch);
        counters.socketsOpened.increment();
        try {
            JsonNode hello = frame(socket);
            if (!"hello".equals(hello.path("t").asText())) {
                throw new IOException("first frame " + hello);
            }
            if (!epoch.equals(hello.path("epoch").asText())) {
                errors.add("epoch_changed", pageId);
            }
            for (int id = 1; id <= calls; id++) {
                call(socket, id, "{\"t\":\"rpc\",\"id\":" + id + ",\"method\":\"inc\"}");
                pause();
            }
            if (notifySelf) {
                call(socket, calls + 1, "{\"t\":\"rpc\",\"id\":" + (calls + 1)
                        + ",\"method\":\"notify\",\"params\":{\"topic\":\"soak\",\"payload\":{\"n\":1}}}");
            }
            socket.close();
            JsonNode frame;
            do {
                frame = frame(socket);
                if (frame.has("seq") && !frame.path("t").asText().equals("result")) {
                    message(frame);
                }
            } while (!frame.path("t").asText().startsWith("_"));
            if (frame.path("code").asInt() != 1000) {
                errors.add("socket_end", frame.toString());
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            socket.abort();
            throw e;
        }
    }

    private void call(SoakSocket socket, int id, String text) throws IOException, InterruptedException {
        socket.send(text);
        while (true) {
            JsonNode frame = frame(socket);
            String type = frame.path("t").asText();
            if (type.equals("result") && frame.path("id").asInt() == id) {
                counters.rpcs.increment();
                return;
            }
            switch (type) {
                case "error" -> throw new IOException("rpc error " + frame);
                case "ping" -> socket.send("{\"t\":\"pong\"}");
                case "resync" -> errors.add("resync_socket", frame.toString());
                default -> {
                    if (type.startsWith("_")) {
                        throw new IOException("socket ended during a call: " + frame);
                    }
                    if (frame.has("seq")) {
                        message(frame);
                    }
                }
            }
        }
    }

    /** A pushed message: its seq must be the one after the last. */
    private void message(JsonNode message) {
        long seq = message.path("seq").asLong();
        if (seq <= lastSeq) {
            return; // replayed over HTTP after the socket had it
        }
        if (seq != lastSeq + 1) {
            errors.add("seq_gap", "after " + lastSeq + " came " + seq);
        }
        lastSeq = seq;
        switch (message.path("t").asText()) {
            case "dbevent" -> counters.dbeventsReceived.increment();
            case "notify" -> counters.notifiesReceived.increment();
            default -> {
            }
        }
    }

    private static JsonNode frame(SoakSocket socket) throws IOException, InterruptedException {
        JsonNode frame = socket.next(FRAME_WAIT);
        if (frame == null) {
            throw new IOException("no frame within " + FRAME_WAIT);
        }
        return frame;
    }

    private HttpRequest post(String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (cookie != null) {
            request.header("Cookie", "rsd_cid=" + cookie);
        }
        return request.build();
    }

    private HttpResponse<String> send(HttpRequest request, int expected, String what)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(what + " answered " + response.statusCode() + ": " + response.body());
        }
        Control.cookieOf(response).ifPresent(minted -> cookie = minted);
        return response;
    }

    /** Think time between a browser's steps. */
    private static void pause() throws InterruptedException {
        Thread.sleep(50 + ThreadLocalRandom.current().nextInt(100));
    }

    private static String kind(Exception e) {
        String message = String.valueOf(e.getMessage());
        int answered = message.indexOf(" answered ");
        if (answered > 0) {
            return message.substring(0, Math.min(message.length(), answered + 13)).replace(' ', '_');
        }
        return e.getClass().getSimpleName();
    }
}
