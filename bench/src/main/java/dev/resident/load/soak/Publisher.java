package dev.resident.load.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Publishes one dbevent on the soak table every {@code periodMillis} through {@code POST /_/dbevent}. */
final class Publisher implements Runnable {
    private final HttpClient http;
    private final URI base;
    private final String token;
    private final long periodMillis;
    private final Counters counters;
    private final Errors errors;
    private final BooleanSupplier running;

    Publisher(HttpClient http, URI base, String token, long periodMillis, Counters counters, Errors errors,
              BooleanSupplier running) {
        this.http = http;
        this.base = base;
        this.token = token;
        this.periodMillis = periodMillis;
        this.counters = counters;
        this.errors = errors;
        this.running = running;
    }

    @Override
    public void run() {
        long next = System.currentTimeMillis();
        for (long n = 1; running.getAsBoolean(); n++) {
            String body = "{\"table\":\"" + SoakClient.TABLE + "\",\"events\":[{\"action\":\"U\",\"pkey\":" + (n % 100)
                    + ",\"record\":{\"n\":" + n + "}}]}";
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/_/dbevent"))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202) {
                    counters.published.increment();
                } else {
                    errors.add("dbevent_answered_" + response.statusCode(), response.body());
                }
                next += periodMillis;
                Thread.sleep(Math.max(0, next - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (IOException e) {
                errors.add("dbevent_" + e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
            }
        }
    }
}
