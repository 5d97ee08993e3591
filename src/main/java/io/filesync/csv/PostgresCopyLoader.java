package io.filesync.csv;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

import io.filesync.core.db.SqlDialect;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Loads rows into PostgreSQL with COPY FROM STDIN, the server's bulk path: each record is re-encoded as COPY's CSV
 * input and written through a fixed-size buffer straight to the connection, so the file is never held in memory
 * and the server parses rows at its own speed.
 * <p>
 * The input file's dialect (delimiter, quote, charset) is normalised on the way: COPY always gets UTF-8, commas,
 * double quotes. An empty cell is written unquoted, which COPY reads as NULL, matching the other loaders. FREEZE
 * is allowed because the staging table was created in the same transaction: rows are written frozen, so the
 * first readers and the next vacuum do not have to rewrite every page to set hint bits.
 */
final class PostgresCopyLoader implements TableLoader {

    /** Bytes buffered before a CopyData message is sent: bounded, and large enough to keep the socket busy. */
    private static final int COPY_BUFFER = 256 * 1024;

    private final SqlDialect dialect;

    PostgresCopyLoader(SqlDialect dialect) {
        this.dialect = dialect;
    }

    @Override
    public long load(Connection connection, String table, CsvScan scan, RecordPump rows) throws SQLException, IOException {
        int width = scan.columns().size();
        String copy = "COPY " + dialect.quote(table) + ' ' + TableLoader.columnList(dialect, scan)
                + " FROM STDIN WITH (FORMAT csv, DELIMITER ',', QUOTE '\"', ENCODING 'UTF8', FREEZE)";
        PGCopyOutputStream stream = new PGCopyOutputStream(connection.unwrap(PGConnection.class), copy, COPY_BUFFER);
        long row = 0;
        try {
            Writer out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), COPY_BUFFER / 4);
            for (RecordPump.Batch batch = rows.next(); batch != null; batch = rows.next()) {
                for (int r = 0; r < batch.size(); r++) {
                    String[] values = batch.rows()[r];
                    out.write(Long.toString(row++));
                    for (int i = 0; i < width; i++) {
                        out.write(',');
                        if (values[i] != null) {
                            writeField(out, values[i]);
                        }
                    }
                    out.write('\n');
                }
            }
            out.flush();
            stream.endCopy();
        } catch (IOException | SQLException | RuntimeException e) {
            cancelQuietly(stream, e);
            // The driver reports a server-side COPY error (a value that does not fit) as an IOException.
            if (e instanceof IOException && e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw e;
        }
        return row;
    }

    /** Quotes only when COPY's CSV parser needs it; quoting everything would cost bytes on every field. */
    static void writeField(Writer out, String value) throws IOException {
        boolean quote = false;
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == ',' || c == '"' || c == '\n' || c == '\r' || c == '\\';
        }
        if (!quote) {
            out.write(value);
            return;
        }
        out.write('"');
        out.write(value.replace("\"", "\"\""));
        out.write('"');
    }

    private static void cancelQuietly(PGCopyOutputStream stream, Exception failure) {
        try {
            if (stream.isActive()) {
                stream.cancelCopy();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
