package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;

/**
 * How far the SFTP uploads of a mapping got, in table {@value #TABLE}: per path the temporary file, the version of
 * the local file being sent, an offset every byte before which the server has acknowledged, and the CRC32C of those
 * bytes as read. A broken upload continues from the offset when the local file still has that version and that
 * prefix checksum, instead of starting over.
 */
public final class SftpCheckpoints {

    public static final String TABLE = "filesync_mirror_sftp_uploads";

    /** One upload's checkpoint. */
    record Checkpoint(String path, String temporary, String version, long offset, long prefixCrc32c) {
    }

    private final DataSource dataSource;
    private final String mapping;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "mapping VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "temporary_path VARCHAR(2000) NOT NULL, "
            + "version VARCHAR(64) NOT NULL, "
            + "byte_offset BIGINT NOT NULL, "
            + "prefix_crc32c BIGINT NOT NULL, "
            + "PRIMARY KEY (mapping, path)");

    public SftpCheckpoints(DataSource dataSource, String mapping) {
        this.dataSource = dataSource;
        this.mapping = mapping;
    }

    Optional<Checkpoint> find(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(table.sql(connection,
                     "SELECT temporary_path, version, byte_offset, prefix_crc32c FROM %s WHERE mapping = ? AND path = ?"))) {
            query.setString(1, mapping);
            query.setString(2, path);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? Optional.of(new Checkpoint(path, rows.getString(1), rows.getString(2), rows.getLong(3),
                        rows.getLong(4))) : Optional.empty();
            }
        }
    }

    void save(Checkpoint checkpoint) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            table.upsert(connection, List.of("mapping", "path"), List.of("temporary_path", "version", "byte_offset", "prefix_crc32c"),
                    new Object[] {mapping, checkpoint.path()}, new Object[] {checkpoint.temporary(), checkpoint.version(),
                            checkpoint.offset(), checkpoint.prefixCrc32c()});
        }
    }

    void remove(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            ManagedTable.execute(connection, table.sql(connection, "DELETE FROM %s WHERE mapping = ? AND path = ?"), mapping, path);
        }
    }
}
