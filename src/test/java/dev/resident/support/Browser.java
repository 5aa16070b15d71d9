package dev.resident.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A test client that behaves like one browser session: its own cookie jar, HTTP and sockets. */
public final class Browser {
    private final URI base;
    private final CookieManager cookies = new CookieManager();
    private final HttpClient http;
    /** The client address its connections come from; null for the default. */
    private final java.net.InetAddress clientAddress;

    public Browser(URI base) {
        this.base = base;
        this.clientAddress = null;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A browser on another client address, e.g. {@code 127.0.0.2} (any 127/8 address is this machine). */
    public Browser(URI base, java.net.InetAddress clientAddress) {
        this.base = base;
        this.clientAddress = clientAddress;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).connectTimeout(Duration.ofSeconds(5))
                .localAddress(clientAddress).build();
    }

    /** The client address its connections come from; null for the system's default. */
    public java.net.InetAddress clientAddress() {
        return clientAddress;
    }

    /** Its cookie jar, which its sockets read and fill too. */
    public CookieManager cookies() {
        return cookies;
    }

    public URI base() {
        return base;
    }

    public HttpClient http() {
        return http;
    }

    /** The value of this browser's {@code rsd_cid} cookie, or null. */
    public String connectionId() {
        return cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals("rsd_cid")).map(java.net.HttpCookie::getValue).findFirst().orElse(null);
    }

    /** Sets the session cookie to {@code connectionId}, as a browser handed a fixed or stolen id would. */
    public void useSession(String connectionId) {
        java.net.HttpCookie cookie = new java.net.HttpCookie("rsd_cid", connectionId);
        cookie.setPath("/");
        cookie.setVersion(0);
        cookies.getCookieStore().add(base, cookie);
    }

    /** The value of this browser's cookie {@code name}, or null. */
    public String cookie(String name) {
        return cookies.getCookieStore().getCookies().stream()
                .filter(c -> c.getName().equals(name)).map(java.net.HttpCookie::getValue).findFirst().orElse(null);
    }

    /** Sets a cookie for the whole site, as one kept from an earlier session. */
    public void setCookie(String name, String value) {
        java.net.HttpCookie cookie = new java.net.HttpCookie(name, value);
        cookie.setPath("/");
        cookie.setVersion(0);
        cookies.getCookieStore().add(base, cookie);
    }

    /** Forgets the cookie {@code name}, as a browser whose user cleared it would. */
    public void dropCookie(String name) {
        cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name)).toList()
                .forEach(c -> cookies.getCookieStore().remove(null, c));
    }

    public Reply post(String path, String body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json"));
    }

    public Reply post(String path, JsonNode body) {
        return post(path, Json.write(body));
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    public Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(), response.headers().map());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens a page and returns the 201 reply body; fails the test on anything else. */
    public JsonNode openPage(String path, JsonNode params) {
        ObjectNode body = Json.object().put("path", path);
        if (params != null) {
            body.set("params", params);
        }
        Reply reply = post("/_/pages", body);
        if (reply.status() != 201) {
            throw new AssertionError("open page: " + reply);
        }
        return reply.json();
    }

    /** A {@code /_bench} page subscribed to {@code tables}; returns its id. */
    public String benchPage(String... tables) {
        ObjectNode params = Json.object();
        params.putArray("tables").addAll(java.util.Arrays.stream(tables).map(t -> Json.object().textNode(t)).toList());
        return openPage("/_bench", params).get("page_id").asText();
    }

    /** Calls {@code inc} of a {@code /_bench} page {@code times} times, each answered 200; the last count. */
    public int incBench(String pageId, int times) {
        int last = -1;
        for (int i = 0; i < times; i++) {
            Reply reply = rpc(pageId, "inc", null, null);
            if (reply.status() != 200) {
                throw new AssertionError("inc: " + reply);
            }
            last = reply.json().get("result").asInt();
        }
        return last;
    }

    public Reply rpc(String pageId, String method, JsonNode params, Long after) {
        ObjectNode body = Json.object().put("page_id", pageId).put("method", method);
        if (params != null) {
            body.set("params", params);
        }
        if (after != null) {
            body.put("after", after);
        }
        return post("/_/rpc", body);
    }

    public Reply rpc(String pageId, String method) {
        return rpc(pageId, method, null, null);
    }

    /** A broadcast of {@code topic} to every page, as an app with the test servers' admin token sends it. */
    public Reply broadcast(String topic) {
        return send(HttpRequest.newBuilder(base.resolve("/_/broadcast"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Json.object().put("topic", topic)))));
    }

    public Reply login(String user, String password) {
        return post("/_/login", Json.object().put("user", user).put("password", password));
    }

    /** Opens the page's socket; {@code query} like {@code Map.of("after","3")}. */
    public SocketClient socket(String pageId, Map<String, String> query) {
        return SocketClient.open(this, pageId, query, null, true);
    }

    public SocketClient socket(String pageId) {
        return socket(pageId, Map.of());
    }

    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** An HTTP answer. */
    public record Reply(int status, String body, Map<String, java.util.List<String>> headers) {
        public JsonNode json() {
            return Json.parse(body);
        }

        /** The first value of a header, any case, or null. */
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        /** The error code of an error answer. */
        public String errorCode() {
            return json().path("error").path("code").asText();
        }
    }
}
