package dev.resident;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.resident.page.PageTypes;
import dev.resident.support.Chrome;
import dev.resident.support.Eventually;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A proxy in front of the site that answers with a page of its own and 200 (a single sign-on
 * proxy whose session ran out shows its login page so): before, the long-poll loop took the HTML
 * for a reply, threw and stopped, and the tab stayed "online" for good with nothing arriving. Now
 * an answer that is not JSON is an error: the page says it is reconnecting (with the reason), tries
 * again after the backoff, and comes back once the proxy lets requests through again.
 */
@Tag("slow")
@Timeout(120)
class ProxyLoginPageInBrowserTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    /** A page over long-poll (the test's proxy does not upgrade), its states noted in window.states. */
    private static final String OPEN_OVER_LONG_POLL = """
            const done = arguments[arguments.length - 1];
            import('/_/resident.js').then(async ({ openPage }) => {
              const page = await openPage('/_bench', {}, { websocket: false, retryMs: 50, maxRetryMs: 200, pollWaitSeconds: 1 });
              window.page = page;
              window.states = [];
              page.on('state', (state, reason) => window.states.push(state + ': ' + reason));
              done(page.transport);
            });
            """;

    @Test
    void aProxysOwnPageInsteadOfAPollsAnswerShowsAsReconnectingUntilItLetsRequestsThrough() throws Exception {
        Resident resident = TestServers.resident(Map.of(), new PageTypes());
        WebServer server = WebServer.builder().port(0).shutdownHook(false).update(resident::setup).build().start();
        try (LoginPageProxy proxy = new LoginPageProxy(URI.create("http://localhost:" + server.port()));
             Chrome chrome = Chrome.start()) {
            chrome.driver().get(proxy.uri().resolve("/_/resident.js").toString());
            assertEquals("poll", chrome.driver().executeAsyncScript(OPEN_OVER_LONG_POLL));
            Eventually.await(PATIENCE, "online", () -> "online".equals(state(chrome)));

            proxy.showLoginPage(true);
            Eventually.await(PATIENCE, "the page says it is reconnecting, not online", () -> "reconnecting".equals(state(chrome)));
            String said = states(chrome).getLast();
            assertTrue(said.startsWith("reconnecting: ") && said.contains("200") && said.contains("JSON"), said);

            proxy.showLoginPage(false);
            Eventually.await(PATIENCE, "online again", () -> "online".equals(state(chrome)));
            assertEquals(1L, chrome.driver().executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    window.page.rpc('inc', {}).then(done, error => done(error.code));
                    """));
        } finally {
            server.stop();
            resident.close();
        }
    }

    private static String state(Chrome chrome) {
        return (String) chrome.driver().executeScript("return window.page.state;");
    }

    @SuppressWarnings("unchecked")
    private static List<String> states(Chrome chrome) {
        return (List<String>) chrome.driver().executeScript("return window.states;");
    }

    /** Forwards requests to the site, or answers each with its own HTML login page (200) while told to. */
    private static final class LoginPageProxy implements AutoCloseable {
        private static final List<String> REQUEST_HEADERS = List.of("Cookie", "Content-Type");
        private static final List<String> RESPONSE_HEADERS = List.of("Set-Cookie", "Content-Type", "Retry-After");
        private final URI site;
        private final HttpServer server;
        private final HttpClient client = HttpClient.newHttpClient();
        private volatile boolean loginPage;

        LoginPageProxy(URI site) throws IOException {
            this.site = site;
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", this::handle);
            server.start();
        }

        URI uri() {
            return URI.create("http://localhost:" + server.getAddress().getPort());
        }

        void showLoginPage(boolean show) {
            loginPage = show;
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                if (loginPage) {
                    byte[] page = "<!doctype html><title>Sign in</title><form>…</form>".getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                    send(exchange, 200, page);
                    return;
                }
                HttpRequest.Builder forwarded = HttpRequest.newBuilder(site.resolve(exchange.getRequestURI().toString()))
                        .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
                for (String name : REQUEST_HEADERS) {
                    exchange.getRequestHeaders().getOrDefault(name, List.of()).forEach(value -> forwarded.header(name, value));
                }
                HttpResponse<byte[]> answer = client.send(forwarded.build(), HttpResponse.BodyHandlers.ofByteArray());
                for (String name : RESPONSE_HEADERS) {
                    answer.headers().allValues(name).forEach(value -> exchange.getResponseHeaders().add(name, value));
                }
                send(exchange, answer.statusCode(), answer.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
