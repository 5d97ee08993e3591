package io.filesync.csv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;

/** A watched folder and a database for CSV tests, with helpers to write files and read tables back. */
final class CsvFixture implements AutoCloseable {

    final Path folder;
    final DataSource dataSource;
    private final HikariDataSource owned;

    private CsvFixture(Path folder, DataSource dataSource, HikariDataSource owned) {
        this.folder = folder;
        this.dataSource = dataSource;
        this.owned = owned;
    }

    /** A folder and a SQLite file database under a temporary directory. */
    static CsvFixture sqlite(Path tempDir) throws IOException {
        Path folder = Files.createDirectories(tempDir.resolve("csv"));
        HikariDataSource dataSource = DataSources.pooled("jdbc:sqlite:" + tempDir.resolve("filesync.db"), null, null, 4);
        return new CsvFixture(folder, dataSource, dataSource);
    }

    /** A folder under a temporary directory and a database owned by someone else. */
    static CsvFixture on(Path tempDir, DataSource dataSource) throws IOException {
        return new CsvFixture(Files.createDirectories(tempDir.resolve("csv")), dataSource, null);
    }

    CsvTables tables() {
        return tables(CsvOptions.defaults());
    }

    CsvTables tables(CsvOptions options) {
        return new CsvTables(dataSource, folder.toString(), "test", options);
    }

    Path write(String relativePath, String content) throws IOException {
        return write(relativePath, content.getBytes(StandardCharsets.UTF_8));
    }

    Path write(String relativePath, byte[] content) throws IOException {
        Path file = folder.resolve(relativePath);
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temporary, content);
        // Rewrites must look changed even within the file system's timestamp granularity.
        if (Files.exists(file)) {
            Files.setLastModifiedTime(temporary, java.nio.file.attribute.FileTime.fromMillis(
                    Files.getLastModifiedTime(file).toMillis() + 1000));
        }
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** Every row of a table ordered by row number, as column name to value (JDBC's natural Java type). */
    List<Map<String, Object>> rows(String table) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT * FROM \"" + table.replace("\"", "\"\"") + "\" ORDER BY \"_row\"")) {
            return read(rows);
        }
    }

    List<Map<String, Object>> query(String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            return read(rows);
        }
    }

    /** Column names and declared types of a table, in order. */
    Map<String, String> columns(String table) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT * FROM \"" + table.replace("\"", "\"\"") + "\" WHERE 1 = 0")) {
            ResultSetMetaData meta = rows.getMetaData();
            Map<String, String> columns = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                columns.put(meta.getColumnName(i), meta.getColumnTypeName(i).toUpperCase(java.util.Locale.ROOT));
            }
            return columns;
        }
    }

    /** The names of all tables, excluding filesync's own. */
    List<String> userTables() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             ResultSet tables = connection.getMetaData().getTables(null, isSqlite(connection) ? null : connection.getSchema(), "%", new String[] {"TABLE"})) {
            while (tables.next()) {
                String name = tables.getString("TABLE_NAME");
                if (!name.startsWith("filesync_csv_tables") && !name.startsWith("sqlite_")) {
                    names.add(name);
                }
            }
        }
        names.sort(null);
        return names;
    }

    /** The registry row of a path: table_name, content_sha256, loaded_at and so on. */
    Map<String, Object> registry(String path) throws SQLException {
        List<Map<String, Object>> rows = query("SELECT * FROM filesync_csv_tables WHERE relative_path = '" + path.replace("'", "''") + "'");
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static boolean isSqlite(Connection connection) throws SQLException {
        return connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("sqlite");
    }

    private static List<Map<String, Object>> read(ResultSet rows) throws SQLException {
        List<Map<String, Object>> result = new ArrayList<>();
        ResultSetMetaData meta = rows.getMetaData();
        while (rows.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                row.put(meta.getColumnName(i), rows.getObject(i));
            }
            result.add(row);
        }
        return result;
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}
