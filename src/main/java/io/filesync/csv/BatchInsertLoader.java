package io.filesync.csv;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.format.DateTimeParseException;

import io.filesync.core.db.SqlDialect;

/**
 * Loads rows with one prepared INSERT, executed in batches: the fastest portable JDBC path, used for SQLite and any
 * database without a bulk protocol. Memory is one batch of bound parameters.
 */
final class BatchInsertLoader implements TableLoader {

    /** Large enough to amortise the round trip, small enough that a batch of wide rows stays a few megabytes. */
    static final int BATCH_ROWS = 2_000;

    private final SqlDialect dialect;

    BatchInsertLoader(SqlDialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public long load(Connection connection, String table, CsvScan scan, CsvRecords records) throws SQLException, IOException {
        int width = scan.columns().size();
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(dialect.quote(table)).append(' ')
                .append(TableLoader.columnList(dialect, scan)).append(" VALUES (?");
        sql.append(", ?".repeat(width)).append(')');
        ColumnType[] types = scan.columns().stream().map(CsvScan.Column::type).toArray(ColumnType[]::new);
        long row = 0;
        try (PreparedStatement insert = connection.prepareStatement(sql.toString())) {
            int pending = 0;
            while (records.next()) {
                TableLoader.checkWidth(records, scan);
                insert.setLong(1, row);
                for (int i = 0; i < width; i++) {
                    String value = records.get(i);
                    try {
                        types[i].bind(insert, i + 2, value, dialect.kind());
                    } catch (NumberFormatException | DateTimeParseException e) {
                        throw records.badRecord("the file changed while it was being loaded: '" + value + "' in column "
                                + scan.columns().get(i).name() + " is not " + types[i] + " as the first pass found");
                    } catch (IllegalArgumentException e) {
                        throw records.badRecord("the file changed while it was being loaded: " + e.getMessage());
                    }
                }
                insert.addBatch();
                row++;
                if (++pending == BATCH_ROWS) {
                    insert.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                insert.executeBatch();
            }
        }
        return row;
    }
}
