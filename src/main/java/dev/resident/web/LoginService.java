package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.metrics.ResidentMeters;
import dev.resident.page.engine.CpuPool;
import dev.resident.registry.Authenticator;
import dev.resident.registry.Connection;
import dev.resident.registry.Identity;
import dev.resident.registry.Registry;
import dev.resident.web.ConnectionCookie.Carried;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * {@code POST /_/login} and {@code POST /_/logout}. A login goes through, in this order: the rate
 * limits per client address and for everyone ({@link LoginRates}: 429 with {@code Retry-After}), the length bounds
 * and guest names (401, nothing recorded), the failure back-off of its (user name, address) pair
 * ({@link LoginThrottle}), then the password check, which runs on the CPU pool's threads kept apart
 * from page code (PBKDF2 costs tens of milliseconds of CPU) behind a bounded number of waiting checks. A successful login without a
 * live connection mints one, so it passes {@link Admission#admitConnection} first (503 when the
 * process is full, 429 past the address's new connections per minute).
 */
public final class LoginService implements HttpService {
    private static final String BAD_CREDENTIALS = "bad credentials";
    private final Registry registry;
    private final Connections connections;
    private final Authenticator authenticator;
    private final WebSettings settings;
    private final LoginSettings limits;
    private final LoginThrottle throttle;
    private final LoginRates rates;
    private final Semaphore pending;
    private final Admission admission;
    private final Bodies bodies;
    private final AffinityCookie affinity;

    LoginService(Connections connections, Authenticator authenticator, WebSettings settings, ResidentMeters meters,
                 Admission admission, Bodies bodies) {
        this.registry = connections.registry();
        this.connections = connections;
        this.authenticator = authenticator;
        this.settings = settings;
        this.limits = settings.login();
        this.throttle = new LoginThrottle(limits.maxFailures(), limits.failureWindow(), limits.maxBackoff(),
                limits.maxTracked());
        this.rates = new LoginRates(limits);
        this.pending = new Semaphore(limits.maxPending());
        this.admission = admission;
        this.bodies = bodies;
        this.affinity = new AffinityCookie(limits.affinityKey());
        meters.gauge("resident.login.tracked", "(user name, client address) pairs the login throttle remembers",
                throttle::tracked);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/login", this::login)
                .post("/logout", this::logout);
    }

    private void login(ServerRequest req, ServerResponse res) throws Exception {
        refuseWhenSessionsComeFromElsewhere();
        String user;
        String password;
        try (Bodies.Body body = bodies.object(req)) {
            user = text(body.json(), "user");
            password = text(body.json(), "password");
        }
        String address = connections.clientAddress(req);
        long now = System.currentTimeMillis();
        rates.acquire(address, now);
        if (user.isEmpty() || password.isEmpty() || user.length() > limits.maxUserLength()
                || password.length() > limits.maxPasswordLength() || Ids.isGuestUser(user)) {
            throw ApiError.unauthorized(BAD_CREDENTIALS); // can never match: nothing to hash or record
        }
        throttle.check(user, address, now);
        Optional<Identity> identity = authenticate(user, password);
        if (identity.isEmpty()) {
            throttle.failed(user, address, System.currentTimeMillis());
            throw ApiError.unauthorized(BAD_CREDENTIALS);
        }
        throttle.succeeded(user, address);
        // a new session id: one fixed before login is worthless
        Carried carried = ConnectionCookie.read(req);
        Connection connection = registry.sessions().login(carried.id(), carried.hostOnly(), identity.get()).orElseGet(() -> {
            admission.admitConnection(address); // this login mints a connection: the same caps as a page open's
            return registry.sessions().loginNew(identity.get());
        });
        connections.setCookie(req, res, connection);
        affinity.set(res, identity.get().user(), connections.https(req));
        Responses.json(res, Json.write(Json.object().put("user", identity.get().user())));
    }

    /** Runs the password check on the CPU pool, refusing (429) when too many already wait. */
    private Optional<Identity> authenticate(String user, String password) throws Exception {
        if (!pending.tryAcquire()) {
            throw ApiError.rateLimited("too many logins in progress, try again shortly", 1);
        }
        try {
            CpuPool cpu = registry.cpu();
            return cpu.computeApart(() -> authenticator.authenticate(user, password)); // never behind page code
        } finally {
            pending.release();
        }
    }

    private void logout(ServerRequest req, ServerResponse res) {
        refuseWhenSessionsComeFromElsewhere();
        Carried carried = ConnectionCookie.read(req);
        registry.sessions().logout(carried.id(), carried.hostOnly()).ifPresent(connection -> connections.setCookie(req, res, connection));
        AffinityCookie.clear(res, connections.https(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    /** A required string field, possibly empty (an empty password is wrong, not malformed: 401). */
    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isTextual()) {
            throw ApiError.badRequest(field + " must be a string");
        }
        return value.textValue();
    }

    /** With {@code resident.auth.mode: legacy-session} a login is the legacy app's: one login for both apps. */
    private void refuseWhenSessionsComeFromElsewhere() {
        if (connections.followsSessions()) {
            throw ApiError.forbidden("log in and out through the legacy app (resident.auth.mode is legacy-session)");
        }
    }
}
