package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.RawHttp;
import dev.resident.support.TestServers;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One page under everything at once: calls over HTTP from several connections of its session,
 * dbevents of a table it watches, its socket replaced again and again by a newer one (the older
 * closed with 4409), and a long-poll loop. Every stream of messages, each socket's and each poll's,
 * holds the seqs after the one it asked from, each once and in order, with no gap; no call and no
 * dbevent is lost; no answer is a 5xx.
 */
@ServerTest
@Timeout(120)
class PageRacesTest {
    private static final int CALLERS = 4;
    /** Calls per caller; a longer run: {@code -Dresident.races.calls=5000} (1,400 sockets, 4,900 polls). */
    private static final int CALLS_EACH = Integer.getInteger("resident.races.calls", 250);
    /** How long a live socket may stay quiet before the next one is opened (the calls may be over). */
    private static final Duration QUIET = Duration.ofMillis(500);
    /** How long a replaced socket may take to send what it still holds and its 4409. */
    private static final Duration REPLACED = Duration.ofSeconds(10);
    private static Resident resident;
    private final URI uri;

    PageRacesTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        // a history that reaches back over the whole run: a stream never needs a resync
        resident = TestServers.setup(server, Map.of("resident.pages.history.max-messages", "5000"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void callsSocketsReplacedAndPollsKeepEveryStreamWholeAndInOrder() throws Exception {
        Browser browser = new Browser(uri);
        String page = browser.benchPage("orders");
        String cookie = "rsd_cid=" + browser.connectionId();
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean callsDone = new AtomicBoolean();
        int sockets;
        int polls;
        int dbevents;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> callers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                callers.add(threads.submit(() -> call(page, cookie, failures)));
            }
            Future<Integer> socketRuns = threads.submit(() -> replaceSockets(page, cookie, callsDone, failures));
            Future<Integer> pollRuns = threads.submit(() -> poll(page, cookie, callsDone, failures));
            Future<Integer> published = threads.submit(() -> publish(callsDone, failures));
            for (Future<?> caller : callers) {
                caller.get();
            }
            callsDone.set(true);
            sockets = socketRuns.get();
            polls = pollRuns.get();
            dbevents = published.get();
        }
        assertEquals(List.of(), List.copyOf(failures));
        JsonNode snapshot = browser.get("/_/page?page_id=" + page).json();
        assertEquals(CALLERS * CALLS_EACH, snapshot.get("data").get("count").asInt(), "no call lost");
        assertEquals(CALLERS * CALLS_EACH + dbevents, snapshot.get("seq").asLong(),
                "one data message a call, one message a dbevent");
        assertTrue(sockets > 5 && polls > 5 && dbevents > 5,
                sockets + " sockets, " + polls + " polls and " + dbevents + " dbevents: the races ran");
    }

    private Void call(String page, String cookie, Queue<String> failures) {
        WebClient client = WebClient.builder().baseUri(uri).build();
        String body = "{\"page_id\":\"" + page + "\",\"method\":\"inc\",\"params\":{}}";
        for (int i = 0; i < CALLS_EACH; i++) {
            ClientResponseTyped<String> answer = client.post("/_/rpc").contentType(HttpMediaTypes.JSON_UTF_8)
                    .header(HeaderNames.COOKIE, cookie).submit(body, String.class);
            if (answer.status().code() != 200) {
                failures.add("rpc " + answer.status() + " " + answer.entity());
            }
        }
        return null;
    }

    /**
     * Opens a socket, reads a few messages, opens the next one from the last seq seen, then reads
     * what the replaced one still sends up to its close (4409): each stream is checked on its own.
     */
    private int replaceSockets(String page, String cookie, AtomicBoolean callsDone, Queue<String> failures) {
        long lastSeen = 0;
        int opened = 0;
        SocketStream current = SocketStream.open(uri, page, cookie, lastSeen);
        opened++;
        while (!callsDone.get() && failures.isEmpty()) {
            for (int i = ThreadLocalRandom.current().nextInt(1, 20); i > 0 && current.readOne(QUIET, failures); i--) {
                lastSeen = Math.max(lastSeen, current.expected - 1);
            }
            SocketStream next = SocketStream.open(uri, page, cookie, lastSeen);
            opened++;
            while (current.readOne(REPLACED, failures)) {
                lastSeen = Math.max(lastSeen, current.expected - 1);
            }
            if (current.closeCode != 4409) {
                failures.add("a replaced socket closed with " + current.closeCode);
            }
            current.socket.close();
            current = next;
        }
        current.socket.close();
        return opened;
    }

    /** Publishes dbevents of {@code orders} until the calls are done; returns how many were taken. */
    private int publish(AtomicBoolean callsDone, Queue<String> failures) {
        WebClient client = WebClient.builder().baseUri(uri).build();
        int published = 0;
        while (!callsDone.get() && failures.isEmpty()) {
            ClientResponseTyped<String> answer = client.post("/_/dbevent").contentType(HttpMediaTypes.JSON_UTF_8)
                    .header(HeaderNames.AUTHORIZATION, "Bearer " + TestServers.ADMIN_TOKEN)
                    .submit("{\"table\":\"orders\",\"events\":[{\"action\":\"I\",\"pkey\":" + published + "}]}",
                            String.class);
            if (answer.status().code() != 202) {
                failures.add("dbevent " + answer.status() + " " + answer.entity());
                break;
            }
            published++;
        }
        return published;
    }

    private int poll(String page, String cookie, AtomicBoolean callsDone, Queue<String> failures) {
        WebClient client = WebClient.builder().baseUri(uri).build();
        long after = 0;
        int polls = 0;
        while (!callsDone.get() && failures.isEmpty()) {
            ClientResponseTyped<String> answer = client.get("/_/poll").queryParam("page_id", page)
                    .queryParam("after", Long.toString(after)).queryParam("wait", "1")
                    .header(HeaderNames.COOKIE, cookie).request(String.class);
            polls++;
            if (answer.status().code() != 200) {
                failures.add("poll " + answer.status() + " " + answer.entity());
                break;
            }
            JsonNode reply = Json.parse(answer.entity());
            if (reply.has("resync")) {
                failures.add("a poll after " + after + " was told to resync");
                break;
            }
            for (JsonNode message : reply.get("messages")) {
                if (message.get("seq").asLong() != after + 1) {
                    failures.add("a poll after " + after + " got seq " + message.get("seq"));
                    return polls;
                }
                after++;
            }
        }
        return polls;
    }

    /** One socket's frames, checked as they come: hello, then the seqs after {@code after}, one by one. */
    private static final class SocketStream {
        private final RawHttp socket;
        private long expected;
        private int closeCode;

        private SocketStream(RawHttp socket, long after) {
            this.socket = socket;
            this.expected = after + 1;
        }

        static SocketStream open(URI uri, String page, String cookie, long after) {
            RawHttp socket = new RawHttp(uri).webSocket("/_/ws?page_id=" + page + "&after=" + after, cookie);
            JsonNode hello = Json.parse(socket.readFrame(Duration.ofSeconds(10)).text());
            if (!hello.path("t").asText().equals("hello")) {
                throw new AssertionError("not a hello: " + hello);
            }
            return new SocketStream(socket, after);
        }

        /**
         * Reads the next message; false at the close, when none came within {@code wait}, or when
         * the stream broke (noted in failures).
         */
        boolean readOne(Duration wait, Queue<String> failures) {
            while (true) {
                RawHttp.Frame frame;
                try {
                    frame = socket.readFrame(wait);
                } catch (java.io.UncheckedIOException e) {
                    if (e.getCause() instanceof java.net.SocketTimeoutException) {
                        return false;
                    }
                    throw e;
                }
                if (frame.opcode() == RawHttp.Frame.CLOSE) {
                    closeCode = frame.closeCode();
                    return false;
                }
                JsonNode message = Json.parse(frame.text());
                if (!message.has("seq")) {
                    if (message.path("t").asText().equals("resync")) {
                        failures.add("a socket from " + (expected - 1) + " was told to resync");
                        return false;
                    }
                    continue; // a ping
                }
                if (message.get("seq").asLong() != expected) {
                    failures.add("a socket expecting seq " + expected + " got " + message);
                    return false;
                }
                expected++;
                return true;
            }
        }
    }
}
