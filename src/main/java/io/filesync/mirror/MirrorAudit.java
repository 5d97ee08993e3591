package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

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
            SqlDialect sql = table.prepare(connection);
            try (PreparedStatement insert = connection.prepareStatement(table.sql(connection, "INSERT INTO %s"
                    + " (occurred_at, mapping, action_id, kind, path, previous_path, event, bytes, detail)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"))) {
                sql.setInstant(insert, 1, Instant.now());
                insert.setString(2, mapping);
                insert.setObject(3, actionId);
                insert.setString(4, kind == null ? null : kind.name());
                insert.setString(5, path);
                insert.setString(6, previousPath);
                insert.setString(7, event.name());
                insert.setObject(8, bytes);
                insert.setString(9, detail == null || detail.length() <= MAX_DETAIL_CHARS ? detail
                        : detail.substring(0, MAX_DETAIL_CHARS) + "...");
                insert.executeUpdate();
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("mirror {}: could not record {} of {} in {}: {}", mapping, event, path, TABLE, e.getMessage());
        }
    }
}
