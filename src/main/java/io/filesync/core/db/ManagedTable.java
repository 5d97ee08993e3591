package io.filesync.core.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One of filesync's own tables (error records, file state, offsets): created on first use in whatever database the
 * connection reaches, then written with the dialect's portable statements. Creating lazily rather than at start
 * lets filesync start while the database is down; creation is retried until it succeeds.
 */
public final class ManagedTable {

    private final String name;
    private final Function<SqlDialect, String> columns;
    private List<String> widened = List.of();
    private volatile SqlDialect dialect;
    /** Statements formatted for this table's one database; templates are constants, so a few dozen at most. */
    private final Map<String, String> statements = new ConcurrentHashMap<>();
    private static final int MAX_STATEMENTS = 256;

    /**
     * @param name    the table name (unquoted)
     * @param columns the column and constraint definitions between the parentheses of CREATE TABLE, per dialect
     */
    public ManagedTable(String name, Function<SqlDialect, String> columns) {
        this.name = name;
        this.columns = columns;
    }

    /**
     * Columns declared as {@link SqlDialect#textType()} that earlier versions declared shorter: on PostgreSQL an
     * existing table gets them widened at first use (a catalogue-only change, no rewrite), so an upgrade keeps its
     * data and stops refusing long values.
     */
    public ManagedTable widening(String... textColumns) {
        this.widened = List.of(textColumns);
        return this;
    }

    public String name() {
        return name;
    }

    /** Makes sure the table exists and returns the dialect of the connection's database. */
    public SqlDialect prepare(Connection connection) throws SQLException {
        SqlDialect known = dialect;
        if (known != null) {
            return known;
        }
        SqlDialect sql = SqlDialect.of(connection);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + sql.quote(name) + " (" + columns.apply(sql) + ")");
        }
        if (sql.kind() == SqlDialect.Kind.POSTGRESQL) {
            widen(connection, sql);
        }
        dialect = sql;
        return sql;
    }

    private void widen(Connection connection, SqlDialect sql) throws SQLException {
        for (String column : widened) {
            try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM information_schema.columns"
                    + " WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?"
                    + " AND character_maximum_length IS NOT NULL")) {
                query.setString(1, name);
                query.setString(2, column);
                try (ResultSet bounded = query.executeQuery()) {
                    if (!bounded.next()) {
                        continue;
                    }
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("ALTER TABLE " + sql.quote(name) + " ALTER COLUMN " + column + " TYPE TEXT");
            }
        }
    }

    /**
     * Formats a statement whose {@code %s} stands for the quoted table name. Remembered per template: a mirror runs
     * several statements per file, and {@link String#format} parsing each of them again was measurable CPU.
     */
    public String sql(Connection connection, String template) throws SQLException {
        SqlDialect sql = prepare(connection);
        String known = statements.get(template);
        if (known != null) {
            return known;
        }
        String formatted = String.format(template, sql.quote(name));
        if (statements.size() < MAX_STATEMENTS) {
            statements.put(template, formatted);
        }
        return formatted;
    }

    /**
     * Inserts a row, or updates the row with the same key: the standard {@code ON CONFLICT} upsert where the database
     * has it (SQLite, PostgreSQL; atomic with several writers), update-then-insert elsewhere.
     *
     * @param keyColumns   the primary key's columns
     * @param valueColumns the other columns
     * @param keys         values of the key columns, in order
     * @param values       values of the other columns, in order
     */
    public void upsert(Connection connection, List<String> keyColumns, List<String> valueColumns, Object[] keys,
                       Object[] values) throws SQLException {
        SqlDialect sql = prepare(connection);
        String table = sql.quote(name);
        List<String> all = new java.util.ArrayList<>(keyColumns);
        all.addAll(valueColumns);
        Object[] allValues = new Object[keys.length + values.length];
        System.arraycopy(keys, 0, allValues, 0, keys.length);
        System.arraycopy(values, 0, allValues, keys.length, values.length);
        String insert = "INSERT INTO " + table + " (" + String.join(", ", all) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(all.size(), "?")) + ")";
        if (sql.kind() != SqlDialect.Kind.GENERIC) {
            StringBuilder update = new StringBuilder();
            for (String column : valueColumns) {
                update.append(update.length() == 0 ? "" : ", ").append(column).append(" = excluded.").append(column);
            }
            execute(connection, insert + " ON CONFLICT (" + String.join(", ", keyColumns) + ") DO UPDATE SET " + update, allValues);
            return;
        }
        StringBuilder set = new StringBuilder();
        for (String column : valueColumns) {
            set.append(set.length() == 0 ? "" : ", ").append(column).append(" = ?");
        }
        StringBuilder where = new StringBuilder();
        for (String column : keyColumns) {
            where.append(where.length() == 0 ? "" : " AND ").append(column).append(" = ?");
        }
        Object[] updateValues = new Object[allValues.length];
        System.arraycopy(values, 0, updateValues, 0, values.length);
        System.arraycopy(keys, 0, updateValues, values.length, keys.length);
        if (execute(connection, "UPDATE " + table + " SET " + set + " WHERE " + where, updateValues) == 0) {
            execute(connection, insert, allValues);
        }
    }

    /** Runs one statement with positional parameters. */
    public static int execute(Connection connection, String statementSql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        }
    }
}
