package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.id.Ids;
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

import java.time.Duration;
import java.util.Optional;

/** {@code POST /_/login} and {@code POST /_/logout}. */
public final class LoginService implements HttpService {
    private final Registry registry;
    private final Authenticator authenticator;
    private final WebSettings settings;
    private final LoginThrottle throttle;

    public LoginService(Registry registry, Authenticator authenticator, WebSettings settings) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.settings = settings;
        this.throttle = new LoginThrottle(settings.maxLoginFailures(), Duration.ofMinutes(1));
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
        throttle.check(user);
        Optional<Identity> identity = Ids.isGuestUser(user) ? Optional.empty()
                : authenticator.authenticate(user, password);
        if (identity.isEmpty()) {
            throttle.failed(user);
            throw ApiError.unauthorized("bad credentials");
        }
        throttle.succeeded(user);
        Connection connection = registry.connect(ConnectionCookie.read(req));
        registry.login(connection, identity.get()); // a new session id: one fixed before login is worthless
        ConnectionCookie.set(req, res, connection);
        AffinityCookie.set(req, res, identity.get().user());
        Responses.json(res, Json.write(Json.object().put("user", identity.get().user())));
    }

    private void logout(ServerRequest req, ServerResponse res) {
        ConnectionCookie.find(registry, req).ifPresent(connection -> {
            registry.logout(connection);
            ConnectionCookie.set(req, res, connection);
        });
        AffinityCookie.clear(req, res);
        res.status(Status.NO_CONTENT_204).send();
    }
}
