package io.filesync.tail;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.db.ManagedTable;

/**
 * Read positions of one tail source, kept in table {@value #TABLE} of the database the rows go to, one row per
 * file identity. {@link #save(Connection, TailPosition)} joins the caller's transaction, so rows and the position
 * they lead to commit together: after a crash, every line is in the table exactly once.
 */
public final class TailOffsets {

    public static final String TABLE = "filesync_tail_offsets";

    private final DataSource dataSource;
    private final String stateKey;
    /** The last position known to be committed, per file key, whoever committed it. */
    private final Map<String, Long> committedOffsets = new java.util.concurrent.ConcurrentHashMap<>();
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "state_key VARCHAR(255) NOT NULL, "
            + "file_key VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "fingerprint_length INTEGER NOT NULL, "
            + "fingerprint VARCHAR(64), "
            + "byte_offset BIGINT NOT NULL, "
            + "line_number BIGINT NOT NULL, "
            + "updated_at VARCHAR(40) NOT NULL, "
            + "PRIMARY KEY (state_key, file_key)");

    public TailOffsets(DataSource dataSource, String stateKey) {
        if (stateKey == null || stateKey.isBlank()) {
            throw new IllegalArgumentException("A tail source needs a non-empty stateKey");
        }
        this.dataSource = dataSource;
        this.stateKey = stateKey;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public String stateKey() {
        return stateKey;
    }

    /** Every stored position of this source, by file key. */
    public Map<String, TailPosition> load() throws SQLException {
        Map<String, TailPosition> positions = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(table.sql(connection,
                     "SELECT file_key, path, fingerprint_length, fingerprint, byte_offset, line_number FROM %s"
                             + " WHERE state_key = ?"))) {
            query.setString(1, stateKey);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    TailPosition position = new TailPosition(rows.getString(1), rows.getString(2), rows.getInt(3),
                            rows.getString(4), rows.getLong(5), rows.getLong(6));
                    positions.put(position.fileKey(), position);
                }
            }
        }
        return positions;
    }

    /** Stores a position inside the caller's transaction. */
    public void save(Connection connection, TailPosition position) throws SQLException {
        table.upsert(connection, List.of("state_key", "file_key"),
                List.of("path", "fingerprint_length", "fingerprint", "byte_offset", "line_number", "updated_at"),
                new Object[] {stateKey, position.fileKey()},
                new Object[] {position.path(), position.fingerprintLength(), position.fingerprint(), position.offset(),
                        position.lineNumber(), Instant.now().toString()});
    }

    /** Stores a position in a transaction of its own. */
    public void save(TailPosition position) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            save(connection, position);
        }
        committed(position);
    }

    /** Notes that a position was committed, by {@link #save(TailPosition)} or inside a sink's transaction. */
    public void committed(TailPosition position) {
        committedOffsets.put(position.fileKey(), position.offset());
    }

    /** Whether a position is already committed, so that the consumer need not store it again. */
    public boolean isCommitted(TailPosition position) {
        Long committed = committedOffsets.get(position.fileKey());
        return committed != null && committed == position.offset();
    }

    /** Forgets a file that is gone and fully read. */
    public void forget(String fileKey) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            ManagedTable.execute(connection, table.sql(connection, "DELETE FROM %s WHERE state_key = ? AND file_key = ?"),
                    stateKey, fileKey);
        }
        committedOffsets.remove(fileKey);
    }
}
