package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A schema of its own in the machine's PostgreSQL (127.0.0.1:5432, database {@code test}, trust)
 * with the dbevents functions of {@code deploy/postgres/dbevents.sql} installed in it; its name is
 * also the NOTIFY channel, so concurrent tests never see each other's events. Dropped on close.
 */
public final class PgTestDatabase implements AutoCloseable {
    /** The machine's test database. */
    public static final String URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private final String schema;
    private final Connection connection;

    private PgTestDatabase(String schema) throws SQLException {
        this.schema = schema;
        this.connection = DriverManager.getConnection(URL);
        execute("CREATE SCHEMA " + schema);
        execute("SET search_path TO " + schema);
    }

    /** A new schema {@code rt_<random>} with the dbevents functions. */
    public static PgTestDatabase create() {
        return create(true);
    }

    /** A new schema {@code rt_<random>}, with the dbevents functions or empty. */
    public static PgTestDatabase create(boolean withFunctions) {
        String schema = "rt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toLowerCase(Locale.ROOT);
        try {
            PgTestDatabase db = new PgTestDatabase(schema);
            if (withFunctions) {
                db.execute(Files.readString(Path.of("deploy/postgres/dbevents.sql")));
            }
            return db;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema, which is also the channel its tables notify. */
    public String schema() {
        return schema;
    }

    public String channel() {
        return schema;
    }

    /** A JDBC URL whose connections work in this schema. */
    public String url() {
        return URL + "&currentSchema=" + schema;
    }

    /** Runs SQL (several statements allowed) on this schema's own connection. */
    public void execute(String sql) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** The first column of the first row of a query. */
    public String query(String sql) {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            return rows.next() ? rows.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** A table {@code (id integer primary key, v text)} whose changes are notified on this schema's channel. */
    public void watchedTable(String table) {
        execute("CREATE TABLE " + table + " (id integer PRIMARY KEY, v text)");
        execute("SELECT resident_watch('" + table + "', '" + channel() + "')");
    }

    /** Ends the backends that LISTEN for this schema's channel (Resident names them after it); how many. */
    public int terminateListeners() {
        return Integer.parseInt(query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                + "WHERE application_name = 'resident " + channel() + "'"));
    }

    @Override
    public void close() {
        try (connection) {
            execute("DROP SCHEMA " + schema + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
