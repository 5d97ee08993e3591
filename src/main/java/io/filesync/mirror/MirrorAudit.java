package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.SqlDialect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of every mirror action, one row per step, in table {@value #TABLE} of the filesync database: an
 * operator sees from anywhere what is pending, running, done or failing, and why. Rows never carry credentials:
 * only the mapping name, the paths and the reason of a failure (messages of the remote clients, which name keys and
 * hosts but not secrets).
 * <p>
 * Auditing never fails an action: if the database is down, the step is logged and the row is lost.
 */
public final class MirrorAudit {

    public static final String TABLE = "filesync_mirror_audit";

    /** The lifecycle steps, as stored in column {@code event}. */
    public enum Event {
        QUEUED, COALESCED, SKIPPED, STARTED, PROGRESS, COMPLETED, FAILED, RETRIED, REFUSED
    }

    /** One row: {@code actionId}, {@code kind}, {@code bytes} and {@code detail} may be null. */
    public record Row(String mapping, Long actionId, ActionKind kind, String path, String previousPath, Event event,
                      Long bytes, String detail) {

        static Row of(String mapping, MirrorAction action, Event event, Long bytes, String detail) {
            return new Row(mapping, action.id(), action.kind(), action.path(), action.previousPath(), event, bytes, detail);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(MirrorAudit.class);
    private static final int MAX_DETAIL_CHARS = 2000;

    private final DataSource dataSource;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "id " + sql.identityColumn() + ", "
            + "occurred_at " + sql.timestampType() + " NOT NULL, "
            + "mapping VARCHAR(255) NOT NULL, "
            + "action_id BIGINT, "
            + "kind VARCHAR(16), "
            + "path " + sql.textType() + ", "
            + "previous_path " + sql.textType() + ", "
            + "event VARCHAR(16) NOT NULL, "
            + "bytes BIGINT, "
            + "detail " + sql.textType());

    public MirrorAudit(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Records one step of an action; {@code bytes} and {@code detail} may be null. */
    public void record(String mapping, MirrorAction action, Event event, Long bytes, String detail) {
        record(mapping, action == null ? null : action.id(), action == null ? null : action.kind(),
                action == null ? null : action.path(), action == null ? null : action.previousPath(), event, bytes, detail);
    }

    public void record(String mapping, Long actionId, ActionKind kind, String path, String previousPath, Event event,
                       Long bytes, String detail) {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            insert(connection, List.of(new Row(mapping, actionId, kind, path, previousPath, event, bytes, detail)));
        } catch (SQLException | RuntimeException e) {
            LOG.warn("mirror {}: could not record {} of {} in {}: {}", mapping, event, path, TABLE, e.getMessage());
        }
    }

    /**
     * Inserts rows inside the caller's transaction, so they commit with the queue change they describe; unlike
     * {@link #record}, a failure here fails the transaction.
     */
    void insert(Connection connection, List<Row> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        SqlDialect sql = table.prepare(connection);
        Instant now = Instant.now();
        try (PreparedStatement insert = connection.prepareStatement(table.sql(connection, "INSERT INTO %s"
                + " (occurred_at, mapping, action_id, kind, path, previous_path, event, bytes, detail)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"))) {
            for (Row row : rows) {
                sql.setInstant(insert, 1, now);
                insert.setString(2, row.mapping());
                insert.setObject(3, row.actionId());
                insert.setString(4, row.kind() == null ? null : row.kind().name());
                insert.setString(5, row.path());
                insert.setString(6, row.previousPath());
                insert.setString(7, row.event().name());
                insert.setObject(8, row.bytes());
                String detail = row.detail();
                insert.setString(9, detail == null || detail.length() <= MAX_DETAIL_CHARS ? detail
                        : detail.substring(0, MAX_DETAIL_CHARS) + "...");
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
