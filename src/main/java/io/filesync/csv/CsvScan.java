package io.filesync.csv;

import java.util.List;

/**
 * What the first pass over a file found: its identity (hash, size, modification time, so a second pass can tell
 * whether the file changed in between), its columns and their inferred types, and its number of data rows.
 *
 * @param sha256         hex SHA-256 of the file's bytes
 * @param size           bytes
 * @param modifiedMillis the file's modification time when the pass started
 * @param columns        the data columns in file order, without the row-number column
 * @param rows           data rows (the header excluded)
 * @param delimiter      the delimiter the file was read with, configured or detected; the load reads it the same way
 */
record CsvScan(String sha256, long size, long modifiedMillis, List<Column> columns, long rows, char delimiter) {

    /** One data column: its SQL name (unquoted) and type. */
    record Column(String name, ColumnType type) {
    }

    CsvScan {
        columns = List.copyOf(columns);
    }
}
