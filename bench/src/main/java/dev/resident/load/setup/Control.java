package dev.resident.load.setup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;

/** Blocking calls to one server's {@code /_/} API, for setting a run up. */
public final class Control implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final HttpClient http;

    public Control(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /**
     * {@code POST /_/pages}; a null {@code cookie} makes the server mint a new connection.
     *
     * @return the page and its connection's cookie, with the page's initial data
     */
    public Opened openPage(String cookie, String paramsJson) throws IOException, InterruptedException {
        HttpRequest.Builder request = post("/_/pages", "{\"path\":\"/_bench\",\"params\":" + paramsJson + "}");
        if (cookie != null) {
            request.header("Cookie", "rsd_cid=" + cookie);
        }
        HttpResponse<String> response = send(request.build(), 201);
        String minted = cookie != null ? cookie : cookieOf(response)
                .orElseThrow(() -> new IOException("no rsd_cid cookie in the open reply"));
        JsonNode body = JSON.readTree(response.body());
        return new Opened(new OpenedPage(body.path("page_id").asText(), minted), body.path("data"));
    }

    /** {@code POST /_/dbevent} with the admin token. */
    public void publishDbEvent(String token, String bodyJson) throws IOException, InterruptedException {
        send(post("/_/dbevent", bodyJson).header("Authorization", "Bearer " + token).build(), 202);
    }

    /** {@code POST /_/rpc} on a page, returning the reply body. */
    public String rpc(OpenedPage page, String method, String paramsJson) throws IOException, InterruptedException {
        String body = "{\"page_id\":" + JSON.writeValueAsString(page.pageId()) + ",\"method\":\"" + method
                + "\",\"params\":" + paramsJson + "}";
        return send(post("/_/rpc", body).header("Cookie", page.cookieHeader()).build(), 200).body();
    }

    @Override
    public void close() {
        http.close();
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(HttpRequest request, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException(request.uri().getPath() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    /** The session id a response sets ({@code rsd_cid}), unless it clears it. */
    public static Optional<String> cookieOf(HttpResponse<?> response) {
        return response.headers().allValues("set-cookie").stream()
                .map(String::trim)
                .filter(value -> value.startsWith("rsd_cid="))
                .map(value -> value.substring("rsd_cid=".length()).split(";", 2)[0])
                .filter(value -> !value.isEmpty())
                .findFirst();
    }

    /** An opened page and the data the server sent with it. */
    public record Opened(OpenedPage page, JsonNode data) {
    }
}
