package io.filesync.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

/** What tests read back from a database: the first column of every row, as text. */
public final class Rows {

    private Rows() {
    }

    /** A table that does not exist yet reads as no rows, so tests can wait for it to appear. */
    public static List<String> column(DataSource dataSource, String sql) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return column(connection, sql);
        }
    }

    public static List<String> column(Connection connection, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        } catch (SQLException e) {
            if (isMissingTable(e)) {
                return List.of();
            }
            throw e;
        }
        return values;
    }

    /** The count a query's single row holds, 0 when the table does not exist yet. */
    public static int count(DataSource dataSource, String sql) throws SQLException {
        List<String> rows = column(dataSource, sql);
        return rows.isEmpty() ? 0 : Integer.parseInt(rows.get(0));
    }

    private static boolean isMissingTable(SQLException e) {
        return "42P01".equals(e.getSQLState()) || (e.getMessage() != null && e.getMessage().contains("no such table"));
    }
}
