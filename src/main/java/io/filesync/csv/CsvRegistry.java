package io.filesync.csv;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.filesync.core.db.SqlDialect;

/**
 * The table {@value #TABLE} in the target database: which file each CSV table was loaded from, with the content's
 * hash and the delimiter it was read with (so a user can see what detection chose). It is how filesync tells a
 * clash (another file already owns the table) from a reload, a rename (a vanished file's hash appears at a new path)
 * from a new file, and what to drop or rename after a restart.
 * <p>
 * Every method takes the caller's connection, so registry changes commit or roll back together with the table
 * changes they describe.
 */
final class CsvRegistry {

    static final String TABLE = "filesync_csv_tables";

    private static final String COLUMNS = "source_key, relative_path, table_name, content_sha256, size_bytes, row_count,"
            + " loaded_at, delimiter";

    /**
     * One loaded file. {@code loadedAt} is read back as text, only ever compared, never parsed. {@code delimiter} is
     * named as {@code csv.delimiter} names it (comma, semicolon, tab, pipe or the character), null for a file
     * registered before it was recorded.
     */
    record Entry(String sourceKey, String path, String table, String sha256, long size, long rows, String loadedAt,
                 String delimiter) {
    }

    private final SqlDialect dialect;

    CsvRegistry(SqlDialect dialect) {
        this.dialect = dialect;
    }

    void createIfMissing(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + dialect.quote(TABLE) + " ("
                    + "source_key VARCHAR(255) NOT NULL, "
                    + "relative_path VARCHAR(2000) NOT NULL, "
                    + "table_name VARCHAR(255) NOT NULL, "
                    + "content_sha256 CHAR(64) NOT NULL, "
                    + "size_bytes BIGINT NOT NULL, "
                    + "row_count BIGINT NOT NULL, "
                    + "loaded_at " + dialect.timestampType() + " NOT NULL, "
                    + "delimiter VARCHAR(16), "
                    + "PRIMARY KEY (source_key, relative_path))");
            // The database itself refuses two files in one table, even from two instances deciding at the same time:
            // the loser's commit fails, is retried, and then sees the clash.
            statement.execute("CREATE UNIQUE INDEX IF NOT EXISTS " + dialect.quote(TABLE + "_table_name") + " ON "
                    + dialect.quote(TABLE) + " (table_name)");
        }
        addDelimiterColumnIfMissing(connection);
    }

    /**
     * A registry created by an earlier version has no delimiter column: it is added, empty for the files already
     * loaded. Two instances may race here; the loser's ALTER fails and finds the column there.
     */
    private void addDelimiterColumnIfMissing(Connection connection) throws SQLException {
        if (hasDelimiterColumn(connection)) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("ALTER TABLE " + dialect.quote(TABLE) + " ADD COLUMN delimiter VARCHAR(16)");
        } catch (SQLException e) {
            if (!hasDelimiterColumn(connection)) {
                throw e;
            }
        }
    }

    private boolean hasDelimiterColumn(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT * FROM " + dialect.quote(TABLE) + " WHERE 1 = 0")) {
            ResultSetMetaData meta = rows.getMetaData();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                if (meta.getColumnName(i).equalsIgnoreCase("delimiter")) {
                    return true;
                }
            }
            return false;
        }
    }

    Optional<Entry> find(Connection connection, String sourceKey, String path) throws SQLException {
        List<Entry> found = query(connection, "source_key = ? AND relative_path = ?", sourceKey, path);
        return found.stream().findFirst();
    }

    /** The entry owning a table, whatever source loaded it: sources sharing a database share its table names. */
    Optional<Entry> ownerOf(Connection connection, String table) throws SQLException {
        return query(connection, "table_name = ?", table).stream().findFirst();
    }

    List<Entry> withHash(Connection connection, String sourceKey, String sha256) throws SQLException {
        return query(connection, "source_key = ? AND content_sha256 = ?", sourceKey, sha256);
    }

    List<Entry> all(Connection connection, String sourceKey) throws SQLException {
        return query(connection, "source_key = ?", sourceKey);
    }

    /** Records a fresh load of a file: a new loaded_at. */
    void putLoaded(Connection connection, Entry entry) throws SQLException {
        delete(connection, entry.sourceKey(), entry.path());
        insert(connection, entry, Instant.now());
    }

    /** Moves an entry to a new path and table, keeping its hash and loaded_at: a rename is not a load. */
    void move(Connection connection, Entry from, String toPath, String toTable) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + dialect.quote(TABLE)
                + " SET relative_path = ?, table_name = ? WHERE source_key = ? AND relative_path = ?")) {
            update.setString(1, toPath);
            update.setString(2, toTable);
            update.setString(3, from.sourceKey());
            update.setString(4, from.path());
            update.executeUpdate();
        }
    }

    void delete(Connection connection, String sourceKey, String path) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + dialect.quote(TABLE)
                + " WHERE source_key = ? AND relative_path = ?")) {
            delete.setString(1, sourceKey);
            delete.setString(2, path);
            delete.executeUpdate();
        }
    }

    private void insert(Connection connection, Entry entry, Instant loadedAt) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + dialect.quote(TABLE)
                + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, entry.sourceKey());
            insert.setString(2, entry.path());
            insert.setString(3, entry.table());
            insert.setString(4, entry.sha256());
            insert.setLong(5, entry.size());
            insert.setLong(6, entry.rows());
            dialect.setInstant(insert, 7, loadedAt);
            insert.setString(8, entry.delimiter());
            insert.executeUpdate();
        }
    }

    private List<Entry> query(Connection connection, String where, String... arguments) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT " + COLUMNS + " FROM " + dialect.quote(TABLE)
                + " WHERE " + where + " ORDER BY source_key, relative_path")) {
            for (int i = 0; i < arguments.length; i++) {
                query.setString(i + 1, arguments[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    entries.add(new Entry(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getLong(5), rows.getLong(6), rows.getString(7), rows.getString(8)));
                }
            }
        }
        return entries;
    }
}
