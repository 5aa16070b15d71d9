package dev.resident.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.ops.ThrottledLog;
import dev.resident.registry.Identity;
import dev.resident.registry.SessionAuthenticator;

import java.io.ByteArrayOutputStream;
import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One login for Resident and the legacy app: a request carrying the legacy app's session cookie
 * is from the user the legacy app names for it. Resident asks {@code legacy.session.introspect}
 * with that cookie ({@code GET}, {@code Cookie: <name>=<value>}, nothing else of the request) and
 * keeps the answer for {@code legacy.session.cache-ttl}:
 * <ul>
 *   <li>200 {@code {"user":"alice","roles":["admin"]}}: that user, with those roles;</li>
 *   <li>401 (or 403): no user, the session ended or never was;</li>
 *   <li>anything else, a malformed answer, or no answer in time: {@link Unanswered} (a warning
 *       is logged, at most once a minute; the answer is not kept, so the next request asks
 *       again). The connection keeps the identity last proven for {@code legacy.session.outage-grace},
 *       for requests carrying the legacy session that proved it ({@link #fingerprint}); any other
 *       request on it is refused (503) meanwhile.</li>
 * </ul>
 * At most {@value #MAX_IN_FLIGHT} questions wait for the legacy app at once, and at most
 * {@link LegacySessionSettings#perAddress} of them for one client address; a request beyond either
 * is unanswered at once: made-up cookies sent while the legacy app is slow cannot pile up calls to
 * it, and one client sending them cannot take every place from the others' logins.
 * The answer is bounded and checked: a user name of at most {@value #MAX_NAME} characters that is
 * not a guest id, at most {@value #MAX_ROLES} roles of at most {@value #MAX_NAME} characters.
 */
public final class LegacySessionAuthenticator implements SessionAuthenticator {
    private static final System.Logger LOGGER = System.getLogger(LegacySessionAuthenticator.class.getName());
    static final int MAX_NAME = 128;
    static final int MAX_ROLES = 64;
    /** Longest cookie value asked about; a longer one is no session. */
    static final int MAX_COOKIE = 4096;
    private static final int MAX_ANSWER_BYTES = 64 * 1024;
    static final int MAX_IN_FLIGHT = 64;
    private static final ThrottledLog FAILURES = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofMinutes(1));
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    /** Taken only with a place of {@link #inFlight}: it holds at most {@value #MAX_IN_FLIGHT} addresses. */
    private final AddressShares perAddress;
    private final LegacySessionSettings settings;
    private final SessionCache cache;
    private final HttpClient client;

    public LegacySessionAuthenticator(LegacySessionSettings settings) {
        this.settings = settings;
        this.cache = new SessionCache(settings.cacheTtl(), settings.cacheSize());
        this.perAddress = new AddressShares(settings.perAddress());
        this.client = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NEVER)
                // plain HTTP/1.1 to gunicorn, without an h2c upgrade attempt on every question
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public Optional<Identity> identify(List<String> cookieHeaders, String clientAddress) {
        String session = sessionCookie(cookieHeaders);
        if (session == null) {
            return Optional.empty();
        }
        Optional<Optional<Identity>> kept = cache.get(session);
        if (kept.isPresent()) {
            return kept.get();
        }
        if (!inFlight.tryAcquire()) {
            throw unanswered(new IntrospectionFailed(MAX_IN_FLIGHT + " questions already wait for the legacy app"));
        }
        try {
            if (!perAddress.take(clientAddress)) {
                throw unanswered(new IntrospectionFailed(settings.perAddress()
                        + " questions of one client address already wait for the legacy app"));
            }
            try {
                Optional<Identity> identity = ask(session);
                cache.put(session, identity);
                return identity;
            } catch (IntrospectionFailed e) {
                throw unanswered(e);
            } finally {
                perAddress.release(clientAddress);
            }
        } finally {
            inFlight.release();
        }
    }

    /** The session cookie's {@link SessionDigest}, as the answers' cache keys it. */
    @Override
    public String fingerprint(List<String> cookieHeaders) {
        String session = sessionCookie(cookieHeaders);
        return session == null ? null : SessionDigest.of(session);
    }

    private static Unanswered unanswered(IntrospectionFailed e) {
        FAILURES.log("legacy session introspection failed (" + e.getMessage() + "): the connection keeps"
                + " its identity for legacy.session.outage-grace");
        return new Unanswered(e.getMessage());
    }

    @Override
    public Duration outageGrace() {
        return settings.outageGrace();
    }

    /** As often as an answer is kept: a socket learns of a logout as soon as a request would. */
    @Override
    public Duration socketRecheck() {
        return settings.cacheTtl().isZero() ? Duration.ofSeconds(1) : settings.cacheTtl();
    }

    private Optional<Identity> ask(String session) {
        HttpRequest request = HttpRequest.newBuilder(settings.introspect())
                .timeout(settings.timeout())
                .header("Cookie", settings.cookie() + "=" + session)
                .header("Accept", "application/json")
                .GET()
                .build();
        // the request's timeout ends at the answer's head: the whole answer, its body too, is timed here
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        CompletableFuture<HttpResponse<Void>> answer = client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArrayConsumer(
                piece -> piece.ifPresent(bytes -> kept.write(bytes, 0, Math.min(bytes.length, MAX_ANSWER_BYTES + 1 - kept.size())))));
        HttpResponse<Void> response;
        try {
            response = answer.get(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new IntrospectionFailed("no whole answer within " + settings.timeout());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IntrospectionFailed(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new IntrospectionFailed("interrupted");
        }
        byte[] body = kept.toByteArray();
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            return Optional.empty();
        }
        if (status != 200) {
            throw new IntrospectionFailed("status " + status);
        }
        if (body.length > MAX_ANSWER_BYTES) {
            throw new IntrospectionFailed("answer larger than " + MAX_ANSWER_BYTES + " bytes");
        }
        return Optional.of(identity(body));
    }

    private static Identity identity(byte[] body) {
        JsonNode answer;
        try {
            answer = Json.parse(new String(body, StandardCharsets.UTF_8));
        } catch (Json.MalformedJsonException e) {
            throw new IntrospectionFailed("malformed JSON");
        }
        JsonNode user = answer.path("user");
        if (!user.isTextual() || user.textValue().isBlank() || user.textValue().length() > MAX_NAME
                || Ids.isGuestUser(user.textValue())) {
            throw new IntrospectionFailed("user must be a name of 1.." + MAX_NAME + " characters");
        }
        JsonNode roles = answer.path("roles");
        Set<String> granted = new HashSet<>();
        if (!roles.isMissingNode() && !roles.isNull()) {
            if (!roles.isArray() || roles.size() > MAX_ROLES) {
                throw new IntrospectionFailed("roles must be a list of at most " + MAX_ROLES);
            }
            for (JsonNode role : roles) {
                if (!role.isTextual() || role.textValue().isEmpty() || role.textValue().length() > MAX_NAME) {
                    throw new IntrospectionFailed("each role must be a name of 1.." + MAX_NAME + " characters");
                }
                granted.add(role.textValue());
            }
        }
        return new Identity(user.textValue(), false, Set.copyOf(granted));
    }

    /** The session cookie's value in the request's {@code Cookie} headers; null when absent, empty or too long. */
    private String sessionCookie(List<String> cookieHeaders) {
        for (String header : cookieHeaders) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).trim().equals(settings.cookie())) {
                    String value = pair.substring(eq + 1).trim();
                    return value.isEmpty() || value.length() > MAX_COOKIE || !printable(value) ? null : value;
                }
            }
        }
        return null;
    }

    /** Only what a cookie value may hold (RFC 6265), so nothing else reaches the introspection request's header. */
    private static boolean printable(String value) {
        return value.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ';' && c != ',');
    }

    /** The legacy app could not say who a session is. */
    private static final class IntrospectionFailed extends RuntimeException {
        IntrospectionFailed(String message) {
            super(message, null, false, false);
        }
    }
}
