package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import io.filesync.core.db.ManagedTable;

/**
 * The multipart uploads a mapping has under way, in table {@value #TABLE}: per path the upload id, object key, the
 * file version it uploads and its part size. With this, an upload interrupted by a crash or a stop carries on where
 * it stopped: the parts already on the server are listed there (ListParts) and only the missing ones are sent.
 */
public final class MultipartUploads {

    public static final String TABLE = "filesync_mirror_uploads";

    /** One upload under way. */
    public record Upload(String path, String key, String uploadId, String version, long partSize, long startedAtMillis) {
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
        try (Connection connection = dataSource.getConnection()) {
            table.upsert(connection, List.of("mapping", "path"), List.of("object_key", "upload_id", "version", "part_size", "started_at"),
                    new Object[] {mapping, upload.path()},
                    new Object[] {upload.key(), upload.uploadId(), upload.version(), upload.partSize(), upload.startedAtMillis()});
        }
    }

    public void remove(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            ManagedTable.execute(connection, table.sql(connection, "DELETE FROM %s WHERE mapping = ? AND path = ?"), mapping, path);
        }
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
