package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.LogLines;
import dev.resident.support.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random input at every guest-reachable endpoint and on the page socket, from fixed seeds: values
 * of every JSON type where the API expects one, nesting, huge numbers, control characters,
 * duplicate keys, broken JSON and bytes that are not UTF-8. Every HTTP answer is under 500 and
 * every refusal a JSON error; every socket error is an {@code error} frame, and a socket is closed
 * only for what the protocol closes it for (1003 for a binary frame, 1007 for text that is not
 * UTF-8); and none of it reaches another user's page. The hand-written cases are in
 * {@link HostileInputTest} and {@link HttpHostileInputTest}; this finds the combinations nobody
 * wrote.
 */
@Timeout(120)
class FuzzedInputTest extends DemoServerTest {
    /** Seeds 1..N; a deeper search: {@code mvn test -Dtest=FuzzedInputTest -Dresident.fuzz.seeds=200}. */
    private static final long[] SEEDS = java.util.stream.LongStream
            .rangeClosed(1, Long.getLong("resident.fuzz.seeds", 3)).toArray();
    private static final int REQUESTS_PER_SEED = 600;
    private static final int FRAMES_PER_SEED = 300;
    private static final Set<Integer> PROTOCOL_CLOSES = Set.of(1003, 1007);
    private static final List<String> METHODS = List.of("echo", "inc", "notify", "dbevent", "work", "job", "orders",
            "create", "update", "online", "export", "follow", "nope");
    private static final List<String> KEYS = List.of("a", "by", "customer", "item", "qty", "id", "status", "steps",
            "step_ms", "table", "tables", "events", "user", "text", "after", "page_id", "method", "params", "job_id", "");
    private static final List<String> RAW_BODIES = List.of("{", "[]", "null", "\"x\"", "{\"a\":1,\"a\":2}", "{}}",
            "{\"page_id\":" + "[".repeat(100) + "]".repeat(100) + "}", "{\"params\":1e999999}", "\u0000", "");
    FuzzedInputTest(URI uri) {
        super(uri);
    }

    @Test
    void randomRequestsGetJsonRefusalsAndTouchNoOtherUsersPage() {
        Browser bystander = new Browser(uri);
        assertEquals(200, bystander.login("carol", "carol").status());
        String bystanderPage = bystander.benchPage();
        long bystanderSeq = seq(bystanderPage);

        Browser bob = new Browser(uri); // not an admin: alice's role would let her broadcast to everyone
        assertEquals(200, bob.login("bob", "bob").status());
        String cookie = "rsd_cid=" + bob.connectionId();
        List<String> failures = new ArrayList<>();
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            List<String> pages = List.of(bob.benchPage("orders"),
                    bob.openPage("/board", Json.object()).get("page_id").asText());
            Requests requests = new Requests(uri, cookie);
            try {
                for (int i = 0; i < REQUESTS_PER_SEED && failures.size() < 10; i++) {
                    String sent = requests.sendOne(random, pages);
                    RawHttp.Answer answer = requests.answer();
                    String problem = problem(answer);
                    if (problem != null) {
                        failures.add("seed " + seed + ": " + sent + " -> " + problem);
                    }
                    if (answer.status() == 201) { // a page opened: closed again, under the connection's cap
                        closePage(bob, Json.parse(answer.body()).get("page_id").asText());
                    }
                }
            } finally {
                requests.close();
            }
            pages.forEach(page -> closePage(bob, page));
        }
        assertEquals(List.of(), failures);
        assertEquals(bystanderSeq, seq(bystanderPage), "the other user's page got nothing");
        assertEquals(200, bystander.rpc(bystanderPage, "inc").status(), "and still answers");
    }

    @Test
    void randomFramesGetErrorFramesOrAProtocolClose() {
        List<String> failures = new ArrayList<>();
        for (long seed : SEEDS) {
            Random random = new Random(seed);
            Browser alice = new Browser(uri);
            String page = alice.benchPage();
            String cookie = "rsd_cid=" + alice.connectionId();
            RawHttp socket = openSocket(page, cookie);
            try {
                for (int i = 0; i < FRAMES_PER_SEED && failures.size() < 10; i++) {
                    Frame sent = frame(random);
                    RawHttp.Frame answer = answerTo(socket, sent);
                    if (answer.opcode() == RawHttp.Frame.CLOSE) {
                        if (!PROTOCOL_CLOSES.contains(answer.closeCode())) {
                            failures.add("seed " + seed + ": " + sent + " -> close " + answer.closeCode() + " "
                                    + answer.text());
                        }
                        socket.close();
                        socket = openSocket(page, cookie);
                        continue;
                    }
                    JsonNode reply = Json.parse(answer.text());
                    if (reply.path("t").asText().equals("error") && reply.path("code").asText().isEmpty()) {
                        failures.add("seed " + seed + ": " + sent + " -> error without a code: " + reply);
                    }
                }
            } finally {
                socket.close();
            }
        }
        assertEquals(List.of(), failures);
    }

    /**
     * Frame heads that break RFC 6455 fail the connection unanswered, before Helidon parses them: a
     * reserved opcode (Helidon wrote an HTTP 500 into the upgraded stream and logged its stack, for
     * anyone, as often as asked), a fragmented control frame (Helidon answered it), a close of one
     * byte (Helidon closed 1011 with its own message). An over-long one Helidon closes 1002 itself
     * ({@code HttpHostileInputTest}). The page lives on.
     */
    @Test
    void framesThatBreakTheProtocolFailTheConnectionUnanswered() {
        Browser alice = new Browser(uri);
        String page = alice.benchPage();
        String cookie = "rsd_cid=" + alice.connectionId();
        Map<String, byte[]> heads = new java.util.LinkedHashMap<>();
        for (int opcode : new int[] {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
            heads.put("reserved opcode " + opcode, RawHttp.maskedFrame(opcode, new byte[0]));
        }
        heads.put("a ping not final", RawHttp.frameHead(RawHttp.Frame.PING, false, 0));
        heads.put("a close of one byte", RawHttp.maskedFrame(RawHttp.Frame.CLOSE, new byte[] {3}));
        try (LogLines helidon = LogLines.of("io.helidon.webserver.http1.Http1Connection")) {
            heads.forEach((what, frame) -> {
                RawHttp socket = openSocket(page, cookie);
                try {
                    socket.send(frame);
                    assertTrue(socket.closedWithoutMore(Duration.ofSeconds(10)), what + ": failed unanswered");
                } finally {
                    socket.close();
                }
            });
            assertEquals(List.of(), helidon.containing("Internal server error"));
        }
        assertEquals(200, alice.rpc(page, "inc").status(), "the page lives on");
    }

    private static void closePage(Browser browser, String pageId) {
        browser.post("/_/close", Json.object().put("page_id", pageId));
    }

    private RawHttp openSocket(String page, String cookie) {
        RawHttp socket = new RawHttp(uri).webSocket("/_/ws?page_id=" + page + "&after=0", cookie);
        assertEquals("hello", Json.parse(socket.readFrame(Duration.ofSeconds(5)).text()).get("t").asText());
        return socket;
    }

    /**
     * Sends {@code sent} and returns what the server sent for it: an answer to an rpc, an error, or
     * a close. A frame the server ignores (a pong, an unknown type) gets nothing, so a well-formed
     * {@code echo} of ours goes right behind it, in the same write, and its result ends the wait.
     */
    private static RawHttp.Frame answerTo(RawHttp socket, Frame sent) {
        java.io.ByteArrayOutputStream both = new java.io.ByteArrayOutputStream();
        both.writeBytes(RawHttp.maskedFrame(sent.opcode(), sent.payload()));
        both.writeBytes(RawHttp.maskedFrame(RawHttp.Frame.TEXT,
                "{\"t\":\"rpc\",\"id\":-7,\"method\":\"echo\",\"params\":{}}".getBytes(StandardCharsets.UTF_8)));
        socket.send(both.toByteArray());
        RawHttp.Frame first = null;
        while (true) {
            RawHttp.Frame frame = socket.readFrame(Duration.ofSeconds(10));
            if (frame.opcode() == RawHttp.Frame.CLOSE) {
                return frame;
            }
            if (frame.opcode() != RawHttp.Frame.TEXT) {
                continue;
            }
            JsonNode reply = Json.parse(frame.text());
            if (reply.path("id").asLong() == -7 && reply.path("t").asText().equals("result")) {
                return first != null ? first : frame;
            }
            if (first == null && (reply.path("t").asText().equals("error") || reply.path("t").asText().equals("result"))) {
                first = frame;
            }
        }
    }

    /** Null when {@code answer} is what bad input must get: under 500, and a JSON error when refused. */
    private static String problem(RawHttp.Answer answer) {
        if (answer.status() >= 500) {
            return answer.status() + " " + answer.body();
        }
        if (answer.status() >= 400) {
            try {
                if (!Json.parse(answer.body()).path("error").path("code").isTextual()) {
                    return answer.status() + " without a JSON error: " + answer.body();
                }
            } catch (Json.MalformedJsonException e) {
                return answer.status() + " not JSON: " + answer.body();
            }
        }
        return null;
    }

    private long seq(String pageId) {
        return resident.registry().anyPage(pageId).orElseThrow().seq();
    }

    private static Frame frame(Random random) {
        double r = random.nextDouble();
        if (r < 0.5) {
            ObjectNode frame = Json.object();
            frame.set("t", pick(random, List.of(text("rpc"), text("rpc"), text("pong"), text("x"), scalar(random))));
            frame.set("id", pick(random, List.of(number(1), number(-1), text("a"), JsonNodeFactory.instance.nullNode(),
                    JsonNodeFactory.instance.numberNode(1.5), Json.object(), scalar(random))));
            frame.set("method", random.nextInt(4) == 0 ? scalar(random) : text(pick(random, METHODS)));
            frame.set("params", random.nextInt(4) == 0 ? value(random, 0) : object(random, 0));
            return Frame.text(Json.write(frame));
        }
        if (r < 0.7) {
            return Frame.text(Json.write(value(random, 0)));
        }
        if (r < 0.8) {
            byte[] bytes = new byte[random.nextInt(50)];
            random.nextBytes(bytes);
            return new Frame(random.nextBoolean() ? 2 : RawHttp.Frame.TEXT, bytes);
        }
        return Frame.text(pick(random, RAW_BODIES));
    }

    private static JsonNode value(Random random, int depth) {
        double r = random.nextDouble();
        if (depth > 4 || r < 0.5) {
            return scalar(random);
        }
        if (r < 0.75) {
            ArrayNode array = Json.array();
            for (int i = random.nextInt(5); i > 0; i--) {
                array.add(value(random, depth + 1));
            }
            return array;
        }
        return object(random, depth);
    }

    private static ObjectNode object(Random random, int depth) {
        ObjectNode object = Json.object();
        for (int i = random.nextInt(6); i > 0; i--) {
            object.set(pick(random, KEYS), value(random, depth + 1));
        }
        return object;
    }

    private static JsonNode scalar(Random random) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (random.nextInt(16)) {
            case 0 -> nodes.nullNode();
            case 1 -> nodes.booleanNode(random.nextBoolean());
            case 2 -> nodes.numberNode(Long.MAX_VALUE);
            case 3 -> nodes.numberNode(Long.MIN_VALUE);
            case 4 -> nodes.numberNode(new java.math.BigInteger("1" + "0".repeat(40)));
            case 5 -> nodes.numberNode(1e308);
            case 6 -> nodes.numberNode(-0.0);
            case 7 -> nodes.numberNode(random.nextInt(5) - 1);
            case 8 -> text("");
            case 9 -> text("é\u0000\u2028\uD7FF");
            case 10 -> text("a".repeat(5000));
            case 11 -> text(pick(random, METHODS));
            case 12 -> text(pick(random, List.of("/", "../", "%00", "<script>", "{", "|p99", "/board", "/_bench")));
            case 13 -> text("x".repeat(22));
            default -> text(Integer.toString(random.nextInt(100)));
        };
    }

    private static JsonNode text(String value) {
        return JsonNodeFactory.instance.textNode(value);
    }

    private static JsonNode number(long value) {
        return JsonNodeFactory.instance.numberNode(value);
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    /** A frame to send: its opcode and payload. */
    private record Frame(int opcode, byte[] payload) {
        static Frame text(String text) {
            return new Frame(RawHttp.Frame.TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            String shown = new String(payload, StandardCharsets.UTF_8);
            return "frame " + opcode + " " + (shown.length() > 200 ? shown.substring(0, 200) + "…" : shown)
                    + " (bytes " + java.util.HexFormat.of().formatHex(payload, 0, Math.min(payload.length, 64)) + ")";
        }
    }

    /** One kept-alive connection sending random requests as one user; opened again when the server closes it. */
    private static final class Requests {
        private final URI uri;
        private final String cookie;
        private RawHttp connection;
        private boolean mustReopen;

        Requests(URI uri, String cookie) {
            this.uri = uri;
            this.cookie = cookie;
        }

        /** Sends one random request; returns what it was, for a failure's message. */
        String sendOne(Random random, List<String> pages) {
            String method = "POST";
            String target;
            byte[] body;
            String contentType = "application/json";
            switch (random.nextInt(12)) {
                case 0, 1, 2, 3 -> {
                    target = "/_/rpc";
                    ObjectNode call = Json.object();
                    call.set("page_id", random.nextInt(4) == 0 ? scalar(random) : text(pick(random, pages)));
                    call.set("method", random.nextInt(5) == 0 ? scalar(random) : text(pick(random, METHODS)));
                    call.set("params", random.nextInt(4) == 0 ? value(random, 0) : object(random, 0));
                    if (random.nextInt(3) == 0) {
                        call.set("after", scalar(random));
                    }
                    body = bytes(random.nextInt(10) == 0 ? value(random, 0) : call);
                }
                case 4 -> {
                    target = "/_/pages";
                    ObjectNode open = Json.object();
                    open.set("path", random.nextInt(3) == 0 ? scalar(random)
                            : text(pick(random, List.of("/_bench", "/board", "/nope"))));
                    open.set("params", value(random, 0));
                    body = bytes(open);
                }
                case 5 -> {
                    target = "/_/close";
                    ObjectNode close = Json.object();
                    close.set("page_id", scalar(random)); // never one of the pages in use
                    body = bytes(close);
                    contentType = random.nextBoolean() ? "text/plain" : contentType;
                }
                case 6 -> {
                    target = pick(random, List.of("/_/dbevent", "/_/notify", "/_/broadcast", "/_/login"));
                    body = bytes(value(random, 0));
                }
                case 7 -> {
                    method = "GET";
                    target = "/_/poll?page_id=" + pick(random, pages) + "&after="
                            + pick(random, List.of("0", "-1", "x", "99999999999999999999", "1e3")) + "&wait=0"
                            + (random.nextBoolean() ? "&epoch=zz" : "");
                    body = null;
                }
                case 8 -> {
                    method = "GET";
                    target = "/_/page?page_id=" + pick(random, List.of(pages.get(0), "x", "", "%ff", "%00"));
                    body = null;
                }
                case 9 -> {
                    method = pick(random, List.of("GET", "DELETE"));
                    target = pick(random, List.of("/_/jobs/", "/_/admin/pages/", "/_/admin/processes/"))
                            + pick(random, List.of("x", "..", "%2F", "a".repeat(300), "%ff", pages.get(0)))
                            + pick(random, List.of("", "", "/socket", "/drain"));
                    body = null;
                }
                default -> {
                    target = pick(random, List.of("/_/rpc", "/_/pages", "/_/login", "/_/close"));
                    body = random.nextInt(4) == 0 ? new byte[] {(byte) 0xff, (byte) 0xfe, '{', '}'}
                            : pick(random, RAW_BODIES).getBytes(StandardCharsets.UTF_8);
                }
            }
            send(method, target, contentType, body);
            String shown = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            return method + " " + target + " " + (shown.length() > 200 ? shown.substring(0, 200) + "…" : shown);
        }

        RawHttp.Answer answer() {
            RawHttp.Answer answer = connection.answer(Duration.ofSeconds(10));
            mustReopen = "close".equalsIgnoreCase(answer.headers().getOrDefault("connection", ""));
            return answer;
        }

        private void send(String method, String target, String contentType, byte[] body) {
            if (connection == null || mustReopen) {
                close();
                connection = new RawHttp(uri);
            }
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + uri.getAuthority()
                    + "\r\nCookie: " + cookie + "\r\n");
            if (body != null) {
                head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length)
                        .append("\r\n");
            }
            // one write: a body written on its own waits for the server's delayed ACK of the head
            java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.writeBytes(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                request.writeBytes(body);
            }
            connection.send(request.toByteArray());
        }

        void close() {
            if (connection != null) {
                connection.close();
                connection = null;
            }
        }

        private static byte[] bytes(JsonNode node) {
            return Json.write(node).getBytes(StandardCharsets.UTF_8);
        }
    }
}
