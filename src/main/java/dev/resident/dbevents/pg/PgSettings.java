package dev.resident.dbevents.pg;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How to listen for dbevents in PostgreSQL (the {@code dbevents.pg} config node).
 *
 * @param url            JDBC URL of the database ({@code jdbc:postgresql://host:5432/db})
 * @param user           user, or empty to take it from the URL
 * @param password       password, or empty
 * @param channel        the NOTIFY channel the trigger uses
 * @param tables         the only tables whose notifications are delivered; empty: any table
 * @param reconnectWait  first pause after the link is lost, doubling per failed attempt
 * @param reconnectMax   longest pause between attempts
 * @param checkInterval  an idle link is checked this often (a dead one is noticed within it)
 * @param connectTimeout longest wait to connect (and to check the link)
 * @param maxRunChars    characters of payload that one run of one table's notifications may hold
 *                       (notifications come all together, however many one transaction sent):
 *                       past it, its pages get {@code {"action":"*"}} instead of the rows
 */
public record PgSettings(String url, String user, String password, String channel, Set<String> tables,
                         Duration reconnectWait, Duration reconnectMax, Duration checkInterval,
                         Duration connectTimeout, int maxRunChars) {
    /** Channel names: an unquoted PostgreSQL identifier of at most 63 characters. */
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    public PgSettings {
        Objects.requireNonNull(url);
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("dbevents.pg.url must be a jdbc:postgresql: URL");
        }
        if (!CHANNEL.matcher(channel).matches()) {
            throw new IllegalArgumentException("dbevents.pg.channel must be 1 to 63 letters, digits or _: " + channel);
        }
        for (String table : tables) {
            if (!Payloads.validTable(table)) {
                throw new IllegalArgumentException("dbevents.pg.tables holds an invalid table name: " + table);
            }
        }
        tables = Set.copyOf(tables);
        if (maxRunChars < Payloads.MAX_PAYLOAD) {
            throw new IllegalArgumentException("dbevents.pg.max-run-chars must be at least " + Payloads.MAX_PAYLOAD);
        }
    }

    /** Whether notifications of {@code table} are delivered. */
    boolean allows(String table) {
        return tables.isEmpty() || tables.contains(table);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return "PgSettings[url=" + url.replaceAll("(?i)password=[^&]*", "password=***") + ", channel=" + channel
                + ", tables=" + (tables.isEmpty() ? "any" : tables) + "]";
    }
}
