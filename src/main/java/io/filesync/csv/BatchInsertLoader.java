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

    private final SqlDialect dialect;

    BatchInsertLoader(SqlDialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public long load(Connection connection, String table, CsvScan scan, RecordPump rows) throws SQLException, IOException {
        int width = scan.columns().size();
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(dialect.quote(table)).append(' ')
                .append(TableLoader.columnList(dialect, scan)).append(" VALUES (?");
        sql.append(", ?".repeat(width)).append(')');
        ColumnType[] types = scan.columns().stream().map(CsvScan.Column::type).toArray(ColumnType[]::new);
        long row = 0;
        try (PreparedStatement insert = connection.prepareStatement(sql.toString())) {
            for (RecordPump.Batch batch = rows.next(); batch != null; batch = rows.next()) {
                for (int r = 0; r < batch.size(); r++) {
                    String[] values = batch.rows()[r];
                    insert.setLong(1, row++);
                    for (int i = 0; i < width; i++) {
                        try {
                            types[i].bind(insert, i + 2, values[i], dialect.kind());
                        } catch (IllegalArgumentException | DateTimeParseException e) {
                            throw rows.badRow(batch, r, "the file changed while it was being loaded: '" + values[i]
                                    + "' in column " + scan.columns().get(i).name() + " is not " + types[i]
                                    + " as the first pass found");
                        }
                    }
                    insert.addBatch();
                }
                // One executeBatch per parsed batch: the parser fills the next one meanwhile.
                insert.executeBatch();
            }
        }
        return row;
    }
}
