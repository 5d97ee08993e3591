package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;

/**
 * Which parts of the SFTP uploads of a mapping the server has confirmed, in table {@value #TABLE}: per path and part
 * the temporary file, the version of the local file being sent, the part size and the CRC32C of the part as read.
 * Parts are written in parallel at their offsets ({@link SftpRangeUpload}), so progress is a set of confirmed ranges,
 * not one offset. A broken upload sends only the other parts when the local file still has that version and every
 * confirmed part still has its checksum; otherwise it starts over.
 */
public final class SftpCheckpoints {

    public static final String TABLE = "filesync_mirror_sftp_parts";

    /** The confirmed parts of one upload: part index (from 0) to the CRC32C of its bytes. */
    public record Checkpoint(String path, String temporary, String version, long partSize, Map<Integer, Long> parts) {

        /** Bytes of the confirmed parts of a file of {@code size} bytes. */
        public long confirmedBytes(long size) {
            return parts.keySet().stream().mapToLong(part -> Math.min(partSize, size - part * partSize)).sum();
        }
    }

    private final DataSource dataSource;
    private final String mapping;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "mapping VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "part_index INTEGER NOT NULL, "
            + "temporary_path VARCHAR(2000) NOT NULL, "
            + "version VARCHAR(64) NOT NULL, "
            + "part_size BIGINT NOT NULL, "
            + "crc32c BIGINT NOT NULL, "
            + "PRIMARY KEY (mapping, path, part_index)");

    public SftpCheckpoints(DataSource dataSource, String mapping) {
        this.dataSource = dataSource;
        this.mapping = mapping;
    }

    /**
     * The confirmed parts of the upload of {@code path}, if any. Rows of another temporary file, version or part size
     * than the first are left out: such an upload was abandoned and is started over.
     */
    public Optional<Checkpoint> find(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(table.sql(connection, "SELECT temporary_path, version,"
                     + " part_size, part_index, crc32c FROM %s WHERE mapping = ? AND path = ? ORDER BY part_index"))) {
            query.setString(1, mapping);
            query.setString(2, path);
            Checkpoint found = null;
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    if (found == null) {
                        found = new Checkpoint(path, rows.getString(1), rows.getString(2), rows.getLong(3), new TreeMap<>());
                    }
                    if (found.temporary().equals(rows.getString(1)) && found.version().equals(rows.getString(2))
                            && found.partSize() == rows.getLong(3)) {
                        found.parts().put(rows.getInt(4), rows.getLong(5));
                    }
                }
            }
            return Optional.ofNullable(found);
        }
    }

    /** Records a part the server has confirmed (every write acknowledged and the handle closed). */
    void confirmed(String path, String temporary, String version, long partSize, int part, long crc32c) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            table.upsert(connection, List.of("mapping", "path", "part_index"), List.of("temporary_path", "version", "part_size",
                    "crc32c"), new Object[] {mapping, path, part}, new Object[] {temporary, version, partSize, crc32c});
        }
    }

    /** Forgets every part of the upload of {@code path}: it finished, or starts over. */
    void remove(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            ManagedTable.execute(connection, table.sql(connection, "DELETE FROM %s WHERE mapping = ? AND path = ?"), mapping, path);
        }
    }
}
