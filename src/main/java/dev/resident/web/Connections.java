package dev.resident.web;

import dev.resident.registry.Connection;
import dev.resident.registry.Identity;
import dev.resident.registry.Registry;
import dev.resident.registry.SessionAuthenticator;
import dev.resident.web.ConnectionCookie.Carried;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Where each request finds its connection (by its session cookie, {@link ConnectionCookie}) and, when a {@link
 * SessionAuthenticator} is installed, where the connection then follows that session: it logs in
 * as the identity found, or out when none is found, through {@link Registry#login} and
 * {@link Registry#logout}.
 */
final class Connections {
    private final Registry registry;
    private final SessionAuthenticator sessions;
    private final ClientAddress addresses;

    /**
     * @param sessions null: connections log in only through {@code POST /_/login}
     * @param addresses the client's address as the per-address limits key it, and the balancers
     *                  believed about its address and TLS
     */
    Connections(Registry registry, SessionAuthenticator sessions, ClientAddress addresses) {
        this.registry = registry;
        this.sessions = sessions;
        this.addresses = addresses;
    }

    /** Whether logins come from another app's session rather than {@code POST /_/login}. */
    boolean followsSessions() {
        return sessions != null;
    }

    Registry registry() {
        return registry;
    }

    /**
     * The identity of the request's session, if its cookie names one: the identity the session
     * had under the id the request carried, never one a login gave it after the lookup.
     */
    Optional<Identity> identity(ServerRequest req) {
        Found found = findCarried(req);
        return found.connection() == null ? Optional.empty() : found.connection().identityUnder(found.carriedId());
    }

    /** The request's connection, if its cookie names one. */
    Optional<Connection> find(ServerRequest req) {
        List<String> cookieHeaders = cookies(req); // read once, for the id and for the session it follows
        return find(ConnectionCookie.fromHeaders(cookieHeaders), cookieHeaders, addressForSessions(req));
    }

    /**
     * A page open's first step: the connection the request's cookie names, if any, looked up
     * once, so that the open is admitted ({@link Admission#admitPage}) before a connection is
     * minted for it ({@link #connect}).
     */
    Opening opening(ServerRequest req) {
        List<String> cookieHeaders = cookies(req);
        Carried carried = ConnectionCookie.fromHeaders(cookieHeaders);
        return new Opening(carried, cookieHeaders, registry.sessions().find(carried.id(), carried.hostOnly()).orElse(null));
    }

    /** The opening's connection: the one its cookie named, or a new one minted (and the cookie set). */
    Connection connect(ServerRequest req, ServerResponse res, Opening opening) {
        if (opening.mints()) {
            Connection minted = registry.sessions().connect();
            setCookie(req, res, minted);
            return follow(minted, opening.cookieHeaders(), addressForSessions(req));
        }
        Carried carried = opening.carried();
        if (!carried.hostOnly() && https(req)) {
            // an id from before HTTPS ids counted under __Host-: set again under that name, as the id
            // the request carried, never the connection's id now, which a login may just have replaced
            ConnectionCookie.set(res, carried.id(), true);
            registry.sessions().issued(opening.known(), true);
        }
        return follow(opening.known(), opening.cookieHeaders(), addressForSessions(req));
    }

    /**
     * What a page open's request carried, and found.
     *
     * @param known the connection its cookie named, or null: one is minted for the open
     */
    record Opening(Carried carried, List<String> cookieHeaders, Connection known) {
        /** Whether the open mints a connection (nothing of the request's names one). */
        boolean mints() {
            return known == null;
        }

        /** The connection the cookie named, for {@link Admission#admitPage}. */
        Optional<Connection> found() {
            return Optional.ofNullable(known);
        }
    }

    /**
     * Sets the cookie to the connection's session id (a new one after login or logout); over
     * HTTPS the id counts from then on only under {@code __Host-rsd_cid} ({@link ConnectionCookie}).
     */
    void setCookie(ServerRequest req, ServerResponse res, Connection connection) {
        boolean https = https(req);
        ConnectionCookie.set(res, connection.id(), https);
        registry.sessions().issued(connection, https);
    }

    /** Whether the client reached the site over HTTPS, a trusted proxy's word included ({@link ClientInfo}). */
    boolean https(ServerRequest req) {
        return ClientInfo.of(req, addresses.proxies()).https();
    }

    /** The client's address, the key of the per-address limits ({@link ClientAddress}). */
    String clientAddress(ServerRequest req) {
        return addresses.of(req);
    }

    /** The request's connection, with the session id its cookie carried: its cookies read once. */
    Found findCarried(ServerRequest req) {
        List<String> cookieHeaders = cookies(req);
        Carried carried = ConnectionCookie.fromHeaders(cookieHeaders);
        return new Found(find(carried, cookieHeaders, addressForSessions(req)).orElse(null), carried.id());
    }

    /**
     * A request's connection (null when it has none) and the session id its cookie carried.
     *
     * @param connection the connection, or null
     * @param carriedId  the id of the request's cookie, or null
     */
    record Found(Connection connection, String carriedId) {
        /**
         * Whether the session is, when asked, still the one the request carried (see
         * {@link Connection#unchangedSince}): taken once the request's page is found.
         */
        BooleanSupplier unchanged() {
            return connection.unchangedSince(carriedId);
        }
    }

    /**
     * What an open socket's heartbeat runs to ask its session again when another app owns
     * sessions ({@link SessionAuthenticator#socketRecheck}): the lookup a request makes, which
     * follows a logout there (the session's sockets close); null when no other app does.
     */
    SessionRecheck socketRecheck(Carried carried, List<String> cookieHeaders, String clientAddress) {
        if (sessions == null || sessions.socketRecheck().isZero()) {
            return null;
        }
        return new SessionRecheck(() -> find(carried, cookieHeaders, clientAddress), sessions.socketRecheck());
    }

    /**
     * The connection of a socket upgrade: the session id it carried, its raw {@code Cookie} header
     * values and the client's address ({@link #clientAddress}).
     */
    Optional<Connection> find(Carried carried, List<String> cookieHeaders, String clientAddress) {
        return registry.sessions().find(carried.id(), carried.hostOnly())
                .map(connection -> follow(connection, cookieHeaders, clientAddress));
    }

    /** The client's address as the session authenticator counts it; null without one, so no request computes it for nothing. */
    private String addressForSessions(ServerRequest req) {
        return sessions == null ? null : addresses.of(req);
    }

    private Connection follow(Connection connection, List<String> cookieHeaders, String clientAddress) {
        if (sessions == null) {
            return connection;
        }
        Optional<Identity> identity;
        try {
            identity = sessions.identify(cookieHeaders, clientAddress);
        } catch (SessionAuthenticator.Unanswered e) {
            if (!registry.sessions().unproven(connection, sessions.outageGrace(), sessions.fingerprint(cookieHeaders))) {
                throw ApiError.unavailable("the session cannot be checked now").retryAfter(5);
            }
            return connection;
        }
        if (identity.isPresent()) {
            // the identity is read again on every request (and through an outage held only for the
            // session that proved it): nothing fixed beforehand can ride it, so the session id stays
            // (a new one here would need every answer to carry a cookie)
            registry.sessions().assume(connection, identity.get(), sessions.fingerprint(cookieHeaders));
        } else if (!connection.identity().guest()) {
            registry.sessions().assumeGuest(connection);
        }
        return connection;
    }

    private static List<String> cookies(ServerRequest req) {
        return req.headers().all(HeaderNames.COOKIE, List::of);
    }
}
