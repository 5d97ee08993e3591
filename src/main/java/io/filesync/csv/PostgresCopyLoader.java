package io.filesync.csv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;

import io.filesync.core.db.SqlDialect;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Loads rows into PostgreSQL with COPY FROM STDIN, the server's bulk path: each record is re-encoded as COPY's CSV
 * input into a fixed-size byte buffer that goes to the connection whenever it is full, so the file is never held
 * in memory and the server parses rows while the next ones are prepared.
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
        CopyIn copyIn = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
        CopyBuffer out = new CopyBuffer(copyIn);
        long row = 0;
        try {
            for (RecordPump.Batch batch = rows.next(); batch != null; batch = rows.next()) {
                for (int r = 0; r < batch.size(); r++) {
                    String[] values = batch.rows()[r];
                    out.plain(Long.toString(row++));
                    for (int i = 0; i < width; i++) {
                        out.separator(',');
                        if (values[i] != null) {
                            out.field(values[i]);
                        }
                    }
                    out.separator('\n');
                }
            }
            out.flush();
            copyIn.endCopy();
        } catch (IOException | SQLException | RuntimeException e) {
            cancelQuietly(copyIn, e);
            throw e;
        }
        return row;
    }

    private static void cancelQuietly(CopyIn copyIn, Exception failure) {
        try {
            if (copyIn.isActive()) {
                copyIn.cancelCopy();
            }
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * COPY's CSV input, encoded straight into bytes: ASCII values (most cells) are copied char by char without a
     * CharsetEncoder, and quoting happens only where COPY's parser needs it.
     */
    private static final class CopyBuffer {

        private final CopyIn copyIn;
        private final byte[] buffer = new byte[COPY_BUFFER];
        private int position;

        CopyBuffer(CopyIn copyIn) {
            this.copyIn = copyIn;
        }

        void separator(char c) throws SQLException {
            if (position == buffer.length) {
                flush();
            }
            buffer[position++] = (byte) c;
        }

        /** A value known to need neither quoting nor encoding, such as a row number. */
        void plain(String value) throws SQLException {
            if (position + value.length() > buffer.length) {
                flush();
            }
            for (int i = 0; i < value.length(); i++) {
                buffer[position++] = (byte) value.charAt(i);
            }
        }

        void field(String value) throws SQLException {
            boolean quote = false;
            boolean ascii = true;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                quote |= c == ',' || c == '"' || c == '\n' || c == '\r' || c == '\\';
                ascii &= c < 0x80;
            }
            if (ascii && !quote && value.length() <= buffer.length) {
                plain(value);
                return;
            }
            String text = quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
            write(text.getBytes(StandardCharsets.UTF_8));
        }

        private void write(byte[] bytes) throws SQLException {
            if (position + bytes.length > buffer.length) {
                flush();
                if (bytes.length > buffer.length) {
                    copyIn.writeToCopy(bytes, 0, bytes.length);
                    return;
                }
            }
            System.arraycopy(bytes, 0, buffer, position, bytes.length);
            position += bytes.length;
        }

        void flush() throws SQLException {
            if (position > 0) {
                copyIn.writeToCopy(buffer, 0, position);
                position = 0;
            }
        }
    }
}
