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
    private final Connections connections;
    private final Authenticator authenticator;
    private final WebSettings settings;
    private final LoginThrottle throttle;

    LoginService(Connections connections, Authenticator authenticator, WebSettings settings) {
        this.registry = connections.registry();
        this.connections = connections;
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
        refuseWhenSessionsComeFromElsewhere();
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
        Connection connection = connections.connect(req, res);
        registry.login(connection, identity.get());
        Responses.json(res, Json.write(Json.object().put("user", identity.get().user())));
    }

    private void logout(ServerRequest req, ServerResponse res) {
        refuseWhenSessionsComeFromElsewhere();
        connections.find(req).ifPresent(registry::logout);
        res.status(Status.NO_CONTENT_204).send();
    }

    /** With {@code resident.auth.mode: legacy-session} a login is the legacy app's: one login for both apps. */
    private void refuseWhenSessionsComeFromElsewhere() {
        if (connections.followsSessions()) {
            throw ApiError.forbidden("log in and out through the legacy app (resident.auth.mode is legacy-session)");
        }
    }
}
