package dev.resident.web;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The bearer token that lets a trusted app (the legacy site, a job) publish through the API. */
final class AdminToken {
    private AdminToken() {
    }

    /**
     * Checks {@code Authorization: Bearer <token>} in constant time; 401 otherwise. With no token
     * configured the admin calls are off: 403 for everyone.
     */
    static void require(ServerRequest req, String token) {
        if (token.isEmpty()) {
            throw ApiError.forbidden("the admin API is off: no admin token is configured");
        }
        String header = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
        byte[] given = header.getBytes(StandardCharsets.UTF_8);
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected)) {
            throw ApiError.unauthorized("admin token required");
        }
    }
}
