package io.filesync.csv;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.format.DateTimeParseException;

import io.filesync.core.db.SqlDialect;

/**
 * Loads rows with prepared INSERTs, executed in batches: the fastest portable JDBC path, used for SQLite and any
 * database without a bulk protocol. Memory is one batch of bound parameters.
 */
final class BatchInsertLoader implements TableLoader {

    /** Rows per multi-row INSERT on SQLite: past a few dozen the gain flattens. */
    private static final int MULTI_ROWS = 50;
    /** SQLite's limit on bound parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
    private static final int MAX_PARAMETERS = 32_766;

    private final SqlDialect dialect;

    BatchInsertLoader(SqlDialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public long load(Connection connection, String table, CsvScan scan, RecordPump rows) throws SQLException, IOException {
        int width = scan.columns().size();
        ColumnType[] types = scan.columns().stream().map(CsvScan.Column::type).toArray(ColumnType[]::new);
        int perStatement = rowsPerStatement(width);
        long row = 0;
        try (PreparedStatement multi = connection.prepareStatement(insert(table, scan, perStatement));
             PreparedStatement single = perStatement == 1 ? multi : connection.prepareStatement(insert(table, scan, 1))) {
            for (RecordPump.Batch batch = rows.next(); batch != null; batch = rows.next()) {
                int r = 0;
                for (; r + perStatement <= batch.size(); r += perStatement) {
                    for (int k = 0; k < perStatement; k++) {
                        bindRow(multi, k * (width + 1), row++, batch, r + k, types, scan, rows);
                    }
                    multi.addBatch();
                }
                for (; r < batch.size(); r++) {
                    bindRow(single, 0, row++, batch, r, types, scan, rows);
                    single.addBatch();
                }
                // Executed once per parsed batch: the parser fills the next one meanwhile.
                multi.executeBatch();
                if (single != multi) {
                    single.executeBatch();
                }
            }
        }
        return row;
    }

    /**
     * SQLite runs a multi-row VALUES list as one statement, which saves most of the per-row statement overhead;
     * other databases get one row per statement, the form every one of them accepts.
     */
    private int rowsPerStatement(int width) {
        return dialect.kind() == SqlDialect.Kind.SQLITE ? Math.max(1, Math.min(MULTI_ROWS, MAX_PARAMETERS / (width + 1))) : 1;
    }

    private String insert(String table, CsvScan scan, int rowCount) {
        String values = "(?" + ", ?".repeat(scan.columns().size()) + ")";
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(dialect.quote(table)).append(' ')
                .append(TableLoader.columnList(dialect, scan)).append(" VALUES ").append(values);
        for (int i = 1; i < rowCount; i++) {
            sql.append(", ").append(values);
        }
        return sql.toString();
    }

    private void bindRow(PreparedStatement insert, int offset, long rowNumber, RecordPump.Batch batch, int index,
                         ColumnType[] types, CsvScan scan, RecordPump rows) throws SQLException {
        String[] values = batch.rows()[index];
        insert.setLong(offset + 1, rowNumber);
        for (int i = 0; i < types.length; i++) {
            try {
                types[i].bind(insert, offset + i + 2, values[i], dialect.kind());
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw rows.badRow(batch, index, "the file changed while it was being loaded: '" + values[i]
                        + "' in column " + scan.columns().get(i).name() + " is not " + types[i]
                        + " as the first pass found");
            }
        }
    }
}
