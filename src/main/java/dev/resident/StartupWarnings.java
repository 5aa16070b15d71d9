package dev.resident;

import io.helidon.config.Config;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The loud warning at start about every setting left at a demo or test value: demo mode, the
 * {@code /_bench} page type, a known or short admin token, a user sharing a demo user's password
 * hash. A blank admin token is no warning: it turns the admin calls off.
 */
final class StartupWarnings {
    private static final System.Logger LOGGER = System.getLogger(StartupWarnings.class.getName());
    /** Admin tokens that were shipped as defaults, in this repository or its docs. */
    private static final Set<String> KNOWN_TOKENS = Set.of("dev-admin-token", "test-admin-token", "change-me");
    private static final int MIN_TOKEN_LENGTH = 16;

    private StartupWarnings() {
    }

    /** What is left at a demo value, one sentence each; empty when nothing is. */
    static List<String> of(Config resident) {
        List<String> warnings = new ArrayList<>();
        if (Settings.demo(resident)) {
            warnings.add("DEMO MODE is on (resident.demo / DEMO): the demo users alice (admin), bob and carol log in"
                    + " with their user name as password, and the demo app /board is served");
        }
        if (Settings.benchPages(resident)) {
            warnings.add("the /_bench page type is on (resident.bench-pages / BENCH_PAGES): any visitor can burn CPU,"
                    + " publish dbevents and notify users through it");
        }
        String token = resident.get("admin-token").asString().get().trim();
        if (KNOWN_TOKENS.contains(token)) {
            warnings.add("the admin token (resident.admin-token / ADMIN_TOKEN) is the published value \"" + token + "\"");
        } else if (!token.isEmpty() && token.length() < MIN_TOKEN_LENGTH) {
            warnings.add("the admin token (resident.admin-token / ADMIN_TOKEN) is shorter than " + MIN_TOKEN_LENGTH
                    + " characters");
        }
        if (!Settings.perAddressLimits(resident)) {
            warnings.add("the per-address caps are off (resident.limits.per-address.enabled / ADDRESS_LIMITS): one client"
                    + " may take all of the process's connections, pages, sockets and the budget for bodies");
        }
        for (String proxy : Settings.trustedProxies(resident).wideEntries()) {
            warnings.add("resident.trusted-proxies (TRUSTED_PROXIES) trusts " + proxy + ": any client in it may claim"
                    + " any address in X-Forwarded-For, and is exempt from the per-address connection cap");
        }
        Set<String> demoHashes = new HashSet<>();
        for (Config user : resident.get("demo-users").asNodeList().orElse(List.of())) {
            user.get("password-hash").asString().ifPresent(demoHashes::add);
        }
        for (Config user : resident.get("users").asNodeList().orElse(List.of())) {
            if (user.get("password-hash").asString().map(demoHashes::contains).orElse(false)) {
                warnings.add("user " + user.get("name").asString().orElse("?")
                        + " has a demo user's password hash (its password is a demo user's name)");
            }
        }
        return warnings;
    }

    /** Logs the warnings, if any, as one block that is hard to miss. */
    static void log(Config resident) {
        List<String> warnings = of(resident);
        if (warnings.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder("\n").append("!".repeat(78))
                .append("\n!!! NOT FOR PRODUCTION: settings left at demo values\n");
        warnings.forEach(w -> text.append("!!! - ").append(w).append('\n'));
        text.append("!".repeat(78));
        LOGGER.log(Level.WARNING, text.toString());
    }
}
