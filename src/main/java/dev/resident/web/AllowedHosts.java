package dev.resident.web;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The names a request's {@code Host} may carry ({@code resident.allowed-hosts}), against DNS
 * rebinding: a page on the attacker's domain, re-pointed at a server bound to the loopback (or an
 * intranet address), passes the cross-site and origin checks, which compare {@code Origin} with
 * {@code Host}, both the attacker's name. Configured names (ports apart) are the only ones served;
 * {@code *} serves any. Left empty, a server bound to a loopback address serves only {@code
 * localhost}, {@code 127.0.0.1} and {@code [::1]} (and its own host setting), and one bound to any
 * other address serves any name, as it cannot know its public ones. The admin host ({@code
 * resident.admin.host}) is always served: the admin view answers nowhere else.
 */
public final class AllowedHosts {
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    private final Set<String> names;
    /** The last {@code Host} value found allowed, as sent: the usual request repeats it, and costs no parse. */
    private volatile String lastAllowed;

    private AllowedHosts(Set<String> names) {
        this.names = names;
    }

    /**
     * @param configured {@code resident.allowed-hosts}
     * @param serverHost {@code server.host}, the address the server binds
     * @param adminHost  {@code resident.admin.host} ({@code ""}: none): always allowed, as the admin view
     *                   answers only there
     */
    public static AllowedHosts of(List<String> configured, String serverHost, String adminHost) {
        List<String> listed = configured.stream().map(String::trim).filter(name -> !name.isEmpty()).toList();
        if (listed.contains("*")) {
            return new AllowedHosts(null);
        }
        Set<String> names = new java.util.HashSet<>();
        if (!listed.isEmpty()) {
            listed.stream().map(AllowedHosts::name).forEach(names::add);
        } else if (!loopback(serverHost)) {
            return new AllowedHosts(null);
        } else {
            names.addAll(LOOPBACK_NAMES);
            names.add(name(serverHost.contains(":") && !serverHost.startsWith("[") ? "[" + serverHost + "]" : serverHost));
        }
        if (!adminHost.isBlank()) {
            names.add(name(adminHost));
        }
        return new AllowedHosts(Set.copyOf(names));
    }

    /** Whether any name is served. */
    boolean any() {
        return names == null;
    }

    /** Whether a request whose {@code Host} header is {@code host} (with or without a port) is served. */
    boolean allows(String host) {
        if (names == null || host != null && host.equals(lastAllowed)) {
            return true;
        }
        if (host == null || !names.contains(name(host))) {
            return false;
        }
        lastAllowed = host;
        return true;
    }

    /** The name of a {@code Host} value: lower case, without its port and a trailing dot. */
    private static String name(String host) {
        String value = host.trim().toLowerCase(Locale.ROOT);
        int end;
        if (value.startsWith("[")) {
            end = value.indexOf(']') + 1;
        } else {
            end = value.indexOf(':');
        }
        String name = end > 0 ? value.substring(0, end) : value;
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static boolean loopback(String serverHost) {
        String host = serverHost.trim().toLowerCase(Locale.ROOT);
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
}
