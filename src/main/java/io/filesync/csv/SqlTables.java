package io.filesync.csv;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.filesync.core.db.SqlDialect;

/**
 * The DDL of CSV tables: create a staging table for a scan, find, drop and rename tables. Every name is quoted by
 * the dialect, so nothing a file name carries can reach the SQL as anything but a name.
 */
final class SqlTables {

    private final SqlDialect dialect;

    SqlTables(SqlDialect dialect) {
        this.dialect = dialect;
    }

    /**
     * Creates the empty table a load fills. On SQLite the row number is the {@code INTEGER PRIMARY KEY}, an alias
     * of the rowid that costs nothing; elsewhere it is a plain column, because an index would slow the bulk load
     * and readers rarely look rows up by number.
     */
    void create(Connection connection, String table, CsvScan scan) throws SQLException {
        StringBuilder ddl = new StringBuilder("CREATE TABLE ").append(dialect.quote(table)).append(" (")
                .append(dialect.quote(SqlNames.ROW_COLUMN))
                .append(dialect.kind() == SqlDialect.Kind.SQLITE ? " INTEGER PRIMARY KEY" : " BIGINT NOT NULL");
        for (CsvScan.Column column : scan.columns()) {
            ddl.append(", ").append(dialect.quote(column.name())).append(' ').append(column.type().sqlType(dialect));
        }
        execute(connection, ddl.append(')').toString());
    }

    void drop(Connection connection, String table) throws SQLException {
        execute(connection, "DROP TABLE IF EXISTS " + dialect.quote(table));
    }

    void rename(Connection connection, String from, String to) throws SQLException {
        execute(connection, "ALTER TABLE " + dialect.quote(from) + " RENAME TO " + dialect.quote(to));
    }

    /** Whether a table or view of that name exists where unqualified names resolve (the current schema). */
    boolean exists(Connection connection, String table) throws SQLException {
        return !find(connection, table, false).isEmpty();
    }

    /** Staging tables a crashed load may have left behind. */
    List<String> stagingTables(Connection connection) throws SQLException {
        return find(connection, "filesync_staging_", true);
    }

    /**
     * Tables by exact name or by prefix. The metadata pattern is a LIKE pattern where '_' matches any character and
     * not every driver honours the escape, so matches are filtered again by exact comparison.
     */
    private List<String> find(Connection connection, String name, boolean prefix) throws SQLException {
        DatabaseMetaData meta = connection.getMetaData();
        String schema = dialect.kind() == SqlDialect.Kind.SQLITE ? null : connection.getSchema();
        List<String> found = new ArrayList<>();
        try (ResultSet tables = meta.getTables(null, schema, prefix ? name + "%" : name, new String[] {"TABLE", "VIEW"})) {
            while (tables.next()) {
                String candidate = tables.getString("TABLE_NAME");
                String compared = dialect.kind() == SqlDialect.Kind.SQLITE ? candidate.toLowerCase(Locale.ROOT) : candidate;
                if (prefix ? compared.startsWith(name) : compared.equals(name)) {
                    found.add(candidate);
                }
            }
        }
        return found;
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
