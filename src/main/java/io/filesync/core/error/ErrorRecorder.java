package io.filesync.core.error;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;

import javax.sql.DataSource;

import io.filesync.core.FilesyncHeaders;
import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.SqlDialect;
import io.filesync.core.observe.FilesyncMetrics;
import io.filesync.core.observe.Jobs;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the shared error path: logs one clear line per failure and keeps a row for it in the
 * {@value #TABLE} table of the target database, where operators can query it.
 * <p>
 * Recording never throws: when the database itself is the problem the failure is still logged, and the caller's
 * own handling (retry, rollback) is unaffected.
 */
public final class ErrorRecorder implements CamelContextAware {

    public static final String TABLE = "filesync_errors";

    /**
     * Exchange property naming the flow in records. Sink Kamelets set it (their own route ids are generated), so a
     * record names the flow, not {@code filesync-rows-sink-3}; without it the failing route's group is used (a job
     * of several routes, such as {@code csv}), else its id.
     */
    public static final String JOB_PROPERTY = "FilesyncJob";

    /** Longest offending input kept in a record; the rest is cut, so a 1 GiB line cannot bloat the table. */
    public static final int MAX_CONTENT_CHARS = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(ErrorRecorder.class);

    private final DataSource dataSource;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "id " + sql.identityColumn() + ", "
            + "occurred_at " + sql.timestampType() + " NOT NULL, "
            + "job VARCHAR(255), "
            + "source " + sql.textType() + ", "
            + "line_number BIGINT, "
            + "byte_offset BIGINT, "
            + "content " + sql.textType() + ", "
            + "reason " + sql.textType() + " NOT NULL, "
            + "error_type VARCHAR(255), "
            + "retried SMALLINT NOT NULL");

    private volatile CamelContext camelContext;
    private volatile FilesyncMetrics metrics;

    public ErrorRecorder(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Set by Camel for the registry bean, by the owner of a private recorder: records are then counted in
     * filesync_errors_recorded_total per job. Without it, the first exchange recorded supplies the context.
     */
    @Override
    public void setCamelContext(CamelContext camelContext) {
        if (camelContext == this.camelContext) {
            return;
        }
        this.camelContext = camelContext;
        this.metrics = camelContext == null ? null : FilesyncMetrics.of(camelContext);
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * Records the failure carried by an exchange that the shared error handling caught. Details come from a
     * {@link BadInputException} when that is the cause, else from the {@link FilesyncHeaders} and the file headers.
     */
    public void record(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure == null) {
            failure = exchange.getException();
        }
        if (metrics == null) {
            metrics = FilesyncMetrics.of(exchange.getContext());
        }
        Message in = exchange.getMessage();
        String job = exchange.getProperty(JOB_PROPERTY, String.class);
        if (job == null) {
            job = Jobs.of(exchange.getContext(),
                    exchange.getProperty(Exchange.FAILURE_ROUTE_ID, exchange.getFromRouteId(), String.class));
        }
        BadInputException bad = failure == null ? null : causeOfType(failure, BadInputException.class);

        String source = bad != null && bad.source() != null ? bad.source() : sourceOf(in);
        Long line = bad != null && bad.line() != null ? bad.line() : in.getHeader(FilesyncHeaders.LINE, Long.class);
        Long offset = bad != null && bad.offset() != null ? bad.offset() : in.getHeader(FilesyncHeaders.OFFSET, Long.class);
        String content = bad != null && bad.content() != null ? bad.content() : in.getHeader(FilesyncHeaders.CONTENT, String.class);
        String reason = bad != null ? bad.reason() : describe(failure);
        String type = failure == null ? null : (bad != null ? bad : rootCause(failure)).getClass().getName();

        record(new ErrorRecord(Instant.now(), job, source, line, offset, content, reason, type, bad == null));
    }

    /** Logs and stores one record. */
    public void record(ErrorRecord error) {
        log(error);
        try {
            insert(error);
        } catch (SQLException | RuntimeException e) {
            LOG.error("{}: could not store the error above in table {}: {}", error.job(), TABLE, e.getMessage());
        }
    }

    /**
     * Logs one record and stores it through the caller's connection, inside the caller's transaction, so that the
     * record commits or rolls back together with the work it belongs to. Throws when the database fails.
     */
    public void record(ErrorRecord error, Connection connection) throws SQLException {
        log(error);
        insert(error, connection);
    }

    private void insert(ErrorRecord error) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            insert(error, connection);
        }
    }

    private void insert(ErrorRecord error, Connection connection) throws SQLException {
        SqlDialect sql = table.prepare(connection);
        String insert = table.sql(connection, "INSERT INTO %s"
                + " (occurred_at, job, source, line_number, byte_offset, content, reason, error_type, retried)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        try (PreparedStatement statement = connection.prepareStatement(insert)) {
            sql.setInstant(statement, 1, error.occurredAt());
            statement.setString(2, error.job());
            statement.setString(3, error.source());
            setLong(statement, 4, error.line());
            setLong(statement, 5, error.offset());
            statement.setString(6, truncate(error.content()));
            statement.setString(7, error.reason());
            statement.setString(8, error.errorType());
            statement.setInt(9, error.retried() ? 1 : 0);
            statement.executeUpdate();
        }
    }

    /** Logs the record and counts it: both record variants pass here once per record. */
    private void log(ErrorRecord error) {
        FilesyncMetrics counted = metrics;
        if (counted != null) {
            counted.counter("errors", "recorded", "job", error.job() == null ? "unknown" : error.job()).increment();
        }
        LOG.error("{}: {}{}{}", error.job(), location(error), error.reason(),
                error.retried() ? " (kept, will be retried)" : " (skipped)");
    }

    private static String sourceOf(Message in) {
        String source = in.getHeader(FilesyncHeaders.SOURCE, String.class);
        if (source == null) {
            source = in.getHeader(Exchange.FILE_PATH, String.class);
        }
        if (source == null) {
            source = in.getHeader(Exchange.FILE_NAME, String.class);
        }
        return source;
    }

    private static String location(ErrorRecord error) {
        if (error.source() == null) {
            return "";
        }
        StringBuilder text = new StringBuilder(error.source());
        if (error.line() != null) {
            text.append(" line ").append(error.line());
        }
        if (error.offset() != null) {
            text.append(" offset ").append(error.offset());
        }
        return text.append(": ").toString();
    }

    private static String describe(Throwable failure) {
        if (failure == null) {
            return "failed without an exception";
        }
        Throwable root = rootCause(failure);
        String message = root.getMessage() != null ? root.getMessage() : failure.getMessage();
        return message != null ? message : root.getClass().getSimpleName();
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    static <T extends Throwable> T causeOfType(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String truncate(String content) {
        if (content == null || content.length() <= MAX_CONTENT_CHARS) {
            return content;
        }
        return content.substring(0, MAX_CONTENT_CHARS) + "...";
    }

    private static void setLong(PreparedStatement statement, int index, Long value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
    }
}
