package dev.resident.web;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.http.ServerRequest;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The host name the admin powers belong to ({@code resident.admin.host}), so that they live on an
 * origin of their own. In front of a legacy app, its pages share the main origin with Resident: a
 * script injected into one of them runs as that origin and could read the admin view's state or
 * drain processes with the cookie of an admin who opens it. With a host set, the admin view and an
 * admin's powers over other users' jobs answer only on it, and the legacy app is never served on
 * it. Unset (the default), they answer on any host.
 */
public final class AdminHost {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?");
    private final String name;

    private AdminHost(String name) {
        this.name = name;
    }

    /**
     * @param configured a host name, without a port; empty: any host
     * @throws IllegalArgumentException when it is not a host name
     */
    public static AdminHost of(String configured) {
        String name = configured.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty() && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("resident.admin.host must be a host name without a port: " + configured);
        }
        return new AdminHost(name);
    }

    /** Whether a host is set: else the admin powers answer on any host. */
    public boolean isSet() {
        return !name.isEmpty();
    }

    /** Whether the request may use the admin powers: no host is set, or it is for that host. */
    boolean admits(ServerRequest req) {
        return !isSet() || isFor(req);
    }

    /** Whether a host is set and the request is for it (its {@code Host}, the port aside). */
    public boolean isFor(ServerRequest req) {
        return isFor(req.headers());
    }

    /** Like {@link #isFor(ServerRequest)}, by a request's headers (a WebSocket upgrade's). */
    public boolean isFor(Headers headers) {
        if (!isSet()) {
            return false;
        }
        String host = headers.first(HeaderNames.HOST).orElse("").toLowerCase(Locale.ROOT);
        int port = host.lastIndexOf(':');
        if (port > host.lastIndexOf(']')) { // not a colon of an IPv6 literal
            host = host.substring(0, port);
        }
        return host.equals(name);
    }
}
