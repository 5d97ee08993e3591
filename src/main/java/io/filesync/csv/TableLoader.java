package io.filesync.csv;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;

import io.filesync.core.db.SqlDialect;
import io.filesync.core.error.BadInputException;

/**
 * Fills an empty table with a CSV file's data rows, streaming: the fastest way each database offers, never holding
 * more than a bounded batch. Runs inside the caller's transaction and neither commits nor rolls back.
 */
interface TableLoader {

    /**
     * @param connection in a transaction
     * @param table      the unquoted name of the empty table, with the row-number column then the scan's columns
     * @param scan       the first pass's result: column types, expected width
     * @param rows       the file's data rows, parsed ahead
     * @return the number of rows loaded
     * @throws BadInputException when a record no longer fits the scan (the file changed since)
     */
    long load(Connection connection, String table, CsvScan scan, RecordPump rows) throws SQLException, IOException;

    /** COPY on PostgreSQL; batched prepared inserts everywhere else. */
    static TableLoader forDialect(SqlDialect dialect) {
        return dialect.kind() == SqlDialect.Kind.POSTGRESQL ? new PostgresCopyLoader(dialect) : new BatchInsertLoader(dialect);
    }

    /** The quoted column list, row-number column first: {@code ("_row", "a", "b")}. */
    static String columnList(SqlDialect dialect, CsvScan scan) {
        StringBuilder list = new StringBuilder("(").append(dialect.quote(SqlNames.ROW_COLUMN));
        for (CsvScan.Column column : scan.columns()) {
            list.append(", ").append(dialect.quote(column.name()));
        }
        return list.append(')').toString();
    }
}
