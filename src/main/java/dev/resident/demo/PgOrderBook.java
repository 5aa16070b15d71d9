package dev.resident.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.resident.page.PageException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's orders in a real PostgreSQL table ({@code DEMO_DB}), through a HikariCP pool with
 * plain blocking JDBC (a virtual thread parks while it waits). The table is created when missing,
 * seeded from {@code demo/orders.json} when empty and watched by the dbevents trigger: every change,
 * the board's or one typed in psql, reaches the boards through the database, never through page code.
 */
final class PgOrderBook implements OrderBook, AutoCloseable {
    /** The board shows at most this many orders. */
    private static final int MAX_LIST = 1000;
    private static final String COLUMNS = "id, customer, item, qty, status, \"by\", at, version";
    private final HikariDataSource pool;

    private PgOrderBook(HikariDataSource pool) {
        this.pool = pool;
    }

    /**
     * Connects, creates and seeds the table when needed and attaches the dbevents trigger
     * (installing {@code deploy/postgres/dbevents.sql} when its functions are missing).
     *
     * @param url     JDBC URL of the database
     * @param channel the channel Resident listens on ({@code dbevents.pg.channel})
     */
    static PgOrderBook open(String url, String channel) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("resident-demo");
        config.setMaximumPoolSize(8);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            PgOrderBook book = new PgOrderBook(pool);
            book.setUp(channel);
            return book;
        } catch (SQLException | RuntimeException e) {
            pool.close();
            throw new IllegalStateException("cannot set up the demo's orders table: " + e.getMessage(), e);
        }
    }

    private void setUp(String channel) throws SQLException {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            if (!exists(statement, "SELECT to_regprocedure('resident_watch(regclass,text,boolean,text)') IS NOT NULL")) {
                statement.execute(resource("postgres/dbevents.sql"));
            }
            connection.setAutoCommit(false);
            // two servers starting at once: one creates and seeds, the other then finds it done
            statement.execute("SELECT pg_advisory_xact_lock(hashtext('resident.demo.orders'))");
            statement.execute(resource("demo/orders.sql"));
            if (!exists(statement, "SELECT EXISTS (SELECT 1 FROM orders)")) {
                seed(connection);
            }
            try (PreparedStatement watch = connection.prepareStatement("SELECT resident_watch('orders', ?)")) {
                watch.setString(1, channel);
                watch.execute();
            }
            connection.commit();
        }
    }

    private static void seed(Connection connection) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO orders (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Order order : StoredOrderBook.seed()) {
                insert.setLong(1, order.id());
                insert.setString(2, order.customer());
                insert.setString(3, order.item());
                insert.setInt(4, order.qty());
                insert.setString(5, order.status());
                insert.setString(6, order.by());
                insert.setLong(7, order.at());
                insert.setLong(8, order.version());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))");
        }
    }

    @Override
    public List<Order> list() {
        return query("SELECT " + COLUMNS + " FROM orders ORDER BY id DESC LIMIT " + MAX_LIST, statement -> {
        });
    }

    @Override
    public Order create(String customer, String item, int qty, String user) {
        return one("INSERT INTO orders (customer, item, qty, \"by\") VALUES (?, ?, ?, ?) RETURNING " + COLUMNS,
                statement -> {
                    statement.setString(1, customer);
                    statement.setString(2, item);
                    statement.setInt(3, qty);
                    statement.setString(4, user);
                }, 0);
    }

    @Override
    public Order setStatus(long id, String status, String user) {
        if (!STATUSES.contains(status)) {
            throw PageException.unprocessable("status must be one of " + STATUSES);
        }
        return one("UPDATE orders SET status = ?, \"by\" = ? WHERE id = ? RETURNING " + COLUMNS, statement -> {
            statement.setString(1, status);
            statement.setString(2, user);
            statement.setLong(3, id);
        }, id);
    }

    @Override
    public Order setQty(long id, int qty, String user) {
        return one("UPDATE orders SET qty = ?, \"by\" = ? WHERE id = ? RETURNING " + COLUMNS, statement -> {
            statement.setInt(1, qty);
            statement.setString(2, user);
            statement.setLong(3, id);
        }, id);
    }

    @Override
    public boolean announcesChanges() {
        return true;
    }

    @Override
    public void close() {
        pool.close();
    }

    /** The one row the statement returns; 422 when there is none (an unknown order). */
    private Order one(String sql, Binder binder, long id) {
        List<Order> rows = query(sql, binder);
        if (rows.isEmpty()) {
            throw PageException.unprocessable("no order " + id);
        }
        return rows.get(0);
    }

    private List<Order> query(String sql, Binder binder) {
        try (Connection connection = pool.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            binder.bind(statement);
            try (ResultSet rows = statement.executeQuery()) {
                List<Order> orders = new ArrayList<>();
                while (rows.next()) {
                    orders.add(new Order(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getInt(4),
                            rows.getString(5), rows.getString(6), rows.getLong(7), rows.getLong(8)));
                }
                return orders;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("orders table: " + e.getMessage(), e);
        }
    }

    private static boolean exists(Statement statement, String sql) throws SQLException {
        try (ResultSet row = statement.executeQuery(sql)) {
            return row.next() && row.getBoolean(1);
        }
    }

    private static String resource(String name) {
        try (InputStream in = PgOrderBook.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets a statement's parameters. */
    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }
}
