package io.filesync.core;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.SqlDialect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code filesync.dry-run} kept from happening: every job that destroys data (a CSV table drop, a remote delete,
 * a complete-sync clean-up) asks here instead, and each "would delete" becomes a log line and a row of table
 * {@value #TABLE}, which the status page lists. One table for every job, so an operator trying the setting out reads
 * one list of what a real run would have removed.
 * <p>
 * Recording never fails the caller: if the database is down, the log line still says what would have happened.
 */
public final class DryRunRecords {

    public static final String TABLE = "filesync_dry_run";

    private static final Logger LOG = LoggerFactory.getLogger(DryRunRecords.class);
    private static final int MAX_SUBJECT_CHARS = 1024;
    private static final int MAX_DETAIL_CHARS = 2000;

    private final DataSource dataSource;
    /** One row per thing spared, dated by the latest time it was: a table reported again at each start stays one row. */
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "job VARCHAR(255) NOT NULL, "
            + "action VARCHAR(64) NOT NULL, "
            + "subject VARCHAR(1024) NOT NULL, "
            + "occurred_at " + sql.timestampType() + " NOT NULL, "
            + "detail " + sql.textType() + ", "
            + "PRIMARY KEY (job, action, subject)");

    public DryRunRecords(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Logs and records one destruction that was not done.
     *
     * @param job     the flow, as in filesync_errors ({@code csv}, a mirror mapping, {@code sync-client})
     * @param action  what would have been done, e.g. {@code drop table} or {@code delete}
     * @param subject what it would have been done to: a table, a remote path
     * @param detail  why, or where it came from; may be null
     */
    public void wouldHave(String job, String action, String subject, String detail) {
        LOG.info("{}: dry run: would {} {}{}", job, action, subject, detail == null ? "" : " (" + detail + ")");
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            SqlDialect sql = table.prepare(connection);
            table.upsert(connection, List.of("job", "action", "subject"), List.of("occurred_at", "detail"),
                    new Object[] {job, action, cut(subject, MAX_SUBJECT_CHARS)},
                    new Object[] {timestamp(sql, Instant.now()), cut(detail, MAX_DETAIL_CHARS)});
        } catch (SQLException | RuntimeException e) {
            LOG.warn("{}: could not record the dry run's would {} {} in {}: {}", job, action, subject, TABLE, e.getMessage());
        }
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    /** The instant as {@link SqlDialect#setInstant} would bind it, for the upsert's plain parameters. */
    private static Object timestamp(SqlDialect sql, Instant instant) {
        return switch (sql.kind()) {
            case SQLITE -> instant.toString();
            case POSTGRESQL -> OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
            case GENERIC -> Timestamp.from(instant);
        };
    }
}
