package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.Transactions;

/**
 * The multipart uploads a mapping has under way, in table {@value #TABLE}: per path the upload id, object key, the
 * file version it uploads and its part size; and each part once the server confirmed it, with its ETag and the CRC32C
 * the server verified, in table {@value #PARTS_TABLE}. With this, an upload interrupted by a crash or a stop carries
 * on where it stopped: a part counts as done when the server lists it (ListParts) with the ETag recorded here, and
 * only the others are sent.
 */
public final class MultipartUploads {

    public static final String TABLE = "filesync_mirror_uploads";
    public static final String PARTS_TABLE = "filesync_mirror_upload_parts";

    /** One upload under way. */
    public record Upload(String path, String key, String uploadId, String version, long partSize, long startedAtMillis) {
    }

    /** One part the server confirmed: its ETag and base64 CRC32C. */
    public record Part(int number, String etag, String crc32c) {
    }

    private final DataSource dataSource;
    private final String mapping;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "mapping VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "object_key VARCHAR(2000) NOT NULL, "
            + "upload_id VARCHAR(1024) NOT NULL, "
            + "version VARCHAR(64) NOT NULL, "
            + "part_size BIGINT NOT NULL, "
            + "started_at BIGINT NOT NULL, "
            + "PRIMARY KEY (mapping, path)");
    private final ManagedTable parts = new ManagedTable(PARTS_TABLE, sql -> "mapping VARCHAR(255) NOT NULL, "
            + "upload_id VARCHAR(1024) NOT NULL, "
            + "part_number INTEGER NOT NULL, "
            + "etag VARCHAR(255) NOT NULL, "
            + "crc32c VARCHAR(16) NOT NULL, "
            + "PRIMARY KEY (mapping, upload_id, part_number)");

    public MultipartUploads(DataSource dataSource, String mapping) {
        this.dataSource = dataSource;
        this.mapping = mapping;
    }

    public Optional<Upload> find(String path) throws SQLException {
        List<Upload> found = query("SELECT path, object_key, upload_id, version, part_size, started_at FROM %s"
                + " WHERE mapping = ? AND path = ?", path);
        return found.stream().findFirst();
    }

    /** Uploads started before the given time. */
    public List<Upload> startedBefore(long millis) throws SQLException {
        return query("SELECT path, object_key, upload_id, version, part_size, started_at FROM %s"
                + " WHERE mapping = ? AND started_at < " + millis, null);
    }

    public void save(Upload upload) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            table.upsert(connection, List.of("mapping", "path"), List.of("object_key", "upload_id", "version", "part_size", "started_at"),
                    new Object[] {mapping, upload.path()},
                    new Object[] {upload.key(), upload.uploadId(), upload.version(), upload.partSize(), upload.startedAtMillis()});
        }
    }

    /** Forgets the upload of a path and its parts. */
    public void remove(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            Transactions.inTransaction(connection, tx -> {
                ManagedTable.execute(tx, parts.sql(tx, "DELETE FROM %s WHERE mapping = ? AND upload_id IN (SELECT upload_id FROM "
                        + table.sql(tx, "%s") + " WHERE mapping = ? AND path = ?)"), mapping, mapping, path);
                return ManagedTable.execute(tx, table.sql(tx, "DELETE FROM %s WHERE mapping = ? AND path = ?"), mapping, path);
            });
        }
    }

    /** Records a part the server confirmed. */
    public void savePart(String uploadId, Part part) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            parts.upsert(connection, List.of("mapping", "upload_id", "part_number"), List.of("etag", "crc32c"),
                    new Object[] {mapping, uploadId, part.number()}, new Object[] {part.etag(), part.crc32c()});
        }
    }

    /** The parts recorded for an upload, by number. */
    public Map<Integer, Part> parts(String uploadId) throws SQLException {
        Map<Integer, Part> found = new TreeMap<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(parts.sql(connection,
                     "SELECT part_number, etag, crc32c FROM %s WHERE mapping = ? AND upload_id = ?"))) {
            query.setString(1, mapping);
            query.setString(2, uploadId);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    found.put(rows.getInt(1), new Part(rows.getInt(1), rows.getString(2), rows.getString(3)));
                }
            }
        }
        return found;
    }

    private List<Upload> query(String template, String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(table.sql(connection, template))) {
            query.setString(1, mapping);
            if (path != null) {
                query.setString(2, path);
            }
            List<Upload> uploads = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    uploads.add(new Upload(rows.getString(1), rows.getString(2), rows.getString(3), rows.getString(4),
                            rows.getLong(5), rows.getLong(6)));
                }
            }
            return uploads;
        }
    }
}
