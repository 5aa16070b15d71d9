package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.registry.Authenticator;
import dev.resident.registry.Connection;
import dev.resident.registry.Identity;
import dev.resident.registry.Registry;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code POST /_/login} and {@code POST /_/logout}. */
public final class LoginService implements HttpService {
    private final Registry registry;
    private final Authenticator authenticator;
    private final WebSettings settings;

    public LoginService(Registry registry, Authenticator authenticator, WebSettings settings) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.settings = settings;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/login", this::login)
                .post("/logout", this::logout);
    }

    private void login(ServerRequest req, ServerResponse res) {
        JsonNode body = Responses.objectBody(req, settings.maxBodyBytes());
        String user = Responses.string(body, "user");
        String password = Responses.string(body, "password");
        if (user.startsWith("guest_")) {
            throw ApiError.unauthorized("bad credentials");
        }
        Identity identity = authenticator.authenticate(user, password)
                .orElseThrow(() -> ApiError.unauthorized("bad credentials"));
        Connection connection = ConnectionCookie.connect(registry, req, res);
        registry.login(connection, identity);
        Responses.json(res, Json.write(Json.object().put("user", identity.user())));
    }

    private void logout(ServerRequest req, ServerResponse res) {
        ConnectionCookie.find(registry, req).ifPresent(registry::logout);
        res.status(Status.NO_CONTENT_204).send();
    }
}
