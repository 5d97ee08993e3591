package io.filesync.tail;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.SqlDialect;
import io.filesync.core.db.Transactions;
import io.filesync.core.error.ErrorRecord;
import io.filesync.core.error.ErrorRecorder;
import io.filesync.core.observe.Progress;
import org.apache.camel.Body;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores the lines of a tail batch as rows through the user's INSERT template. The rows, the error records of the batch's
 * bad lines and the position after the batch commit in ONE transaction when positions live in the same database, so
 * a crash at any moment neither loses nor repeats a line.
 * <p>
 * A line the database rejects (a value its column cannot take, a constraint) becomes an error record and the rest
 * of the batch is stored; a failure of the database itself (down, missing table) rolls everything back and is
 * thrown, so nothing advances until it is fixed.
 */
public final class TailRowWriter implements CamelContextAware {

    private static final Logger LOG = LoggerFactory.getLogger(TailRowWriter.class);

    // Settings, by name for the Kamelet's bean (setters, then init) or all at once through the constructor.
    private DataSource dataSource;
    private String templateSql;
    private String delimiter = ",";
    private String pattern = "";
    private boolean emptyAsNull = true;
    private String setupSql = "";
    private String job = "tail-to-rows";
    // Built from the settings by init(), which also checks them, so a bad template fails the start.
    private InsertTemplate template;
    private LineFields fields;
    private ErrorRecorder errors;
    private volatile CamelContext camelContext;
    private volatile boolean setUp;
    /** Known after the first batch; read from the connection's metadata once, not per batch. */
    private volatile SqlDialect dialect;
    private volatile Progress progress = Progress.silent();
    /** One per file, so a burst of batches of one file is summarised without hiding another file's. */
    private final Map<String, Progress.Tally> committed = new ConcurrentHashMap<>();
    /** Files told apart at most; beyond, the tallies are said and started again (files rotate away). */
    private static final int MAX_TALLIES = 1000;

    /**
     * @param dataSource  the database the rows go to
     * @param template    INSERT statement with {@code :#name} parameters
     * @param delimiter   field delimiter, used when pattern is blank
     * @param pattern     regular expression with named groups, or blank
     * @param emptyAsNull bind empty fields as NULL
     * @param setupSql    idempotent DDL run once before the first batch (e.g. CREATE TABLE IF NOT EXISTS), or blank
     * @param job         names this flow in error records, which go to table filesync_errors of the same database
     */
    public TailRowWriter(DataSource dataSource, String template, String delimiter, String pattern, boolean emptyAsNull,
                         String setupSql, String job) {
        setDataSource(dataSource);
        setTemplate(template);
        setDelimiter(delimiter);
        setPattern(pattern);
        setEmptyAsNull(emptyAsNull);
        setSetupSql(setupSql);
        setJob(job);
        init();
    }

    /** For a bean declared by named properties; call {@link #init()} once they are set. */
    public TailRowWriter() {
    }

    /** Checks the settings and prepares the statement; the constructor with arguments calls it itself. */
    public void init() {
        if (dataSource == null) {
            throw new IllegalArgumentException("the rows sink needs a dataSource");
        }
        InsertTemplate parsed = new InsertTemplate(templateSql);
        LineFields lineFields = new LineFields(delimiter, pattern, emptyAsNull);
        lineFields.checkCovers(parsed);
        template = parsed;
        fields = lineFields;
        errors = new ErrorRecorder(dataSource);
        if (camelContext != null) {
            errors.setCamelContext(camelContext);
        }
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setTemplate(String template) {
        this.templateSql = template;
    }

    public void setDelimiter(String delimiter) {
        this.delimiter = delimiter;
    }

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    public void setEmptyAsNull(boolean emptyAsNull) {
        this.emptyAsNull = emptyAsNull;
    }

    public void setSetupSql(String setupSql) {
        this.setupSql = setupSql == null ? "" : setupSql.strip();
    }

    public void setJob(String job) {
        this.job = job;
    }

    /** Set by the Kamelet's route: the error records of bad lines are then counted in filesync's metrics. */
    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
        if (errors != null) {
            errors.setCamelContext(camelContext);
        }
        if (camelContext != null) {
            progress = Progress.of(camelContext);
        }
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /**
     * Stores the lines of one batch; returns them so a route can go on with them. When the batch comes from a running
     * {@code filesync-tail:} source whose positions live in this database, its position commits with the rows.
     *
     * @param lines    the lines, as the tail source emits them
     * @param position the position after the lines ({@link TailHeaders#POSITION}), or null
     * @param stateKey the source's state key ({@link TailHeaders#STATE_KEY}), or null
     */
    public List<TailLine> write(@Body List<TailLine> lines, @Header(TailHeaders.POSITION) TailPosition position,
                                @Header(TailHeaders.STATE_KEY) String stateKey) throws SQLException {
        String readAt = Instant.now().toString();
        List<TailLine> good = new ArrayList<>();
        List<Map<String, Object>> values = new ArrayList<>();
        List<ErrorRecord> bad = new ArrayList<>();
        for (TailLine line : lines) {
            if (line.isBad()) {
                bad.add(errorFor(line, line.problem()));
                continue;
            }
            try {
                values.add(fields.valuesOf(line, template, readAt));
                good.add(line);
            } catch (IllegalArgumentException doesNotFit) {
                bad.add(errorFor(line, doesNotFit.getMessage()));
            }
        }
        TailOffsets offsets = position == null ? null : sourceOffsets(stateKey);
        boolean sameDatabase = offsets != null && offsets.dataSource() == dataSource;
        setUpOnce();
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            SqlDialect dialect = dialectOf(connection);
            Transactions.inTransaction(connection, tx -> {
                insert(tx, dialect, good, values, bad);
                for (ErrorRecord error : bad) {
                    errors.record(error, tx);
                }
                if (sameDatabase) {
                    offsets.save(tx, position);
                }
                return null;
            });
        }
        if (sameDatabase) {
            offsets.committed(position);
        }
        if (!lines.isEmpty()) {
            TailLine last = lines.get(lines.size() - 1);
            said(last.path(), last.lineNumber(), good.size(), bad.size());
        }
        return lines;
    }

    /** The positions store of the running tail source with this state key, through its component; null if none. */
    private TailOffsets sourceOffsets(String stateKey) {
        CamelContext context = getCamelContext();
        if (context == null || stateKey == null || context.hasComponent(TailComponent.SCHEME) == null) {
            return null;
        }
        return context.getComponent(TailComponent.SCHEME, TailComponent.class).offsets(stateKey);
    }

    /** A batch committed: one INFO line per file, summarised per interval when batches come fast. */
    private void said(String path, long lastLine, int rows, int bad) {
        if (committed.size() >= MAX_TALLIES && !committed.containsKey(path)) {
            committed.values().forEach(Progress.Tally::close);
            committed.clear();
        }
        Progress.Tally tally = committed.computeIfAbsent(path,
                file -> progress.tally(LOG, "tail " + job + " " + file, "lines committed"));
        tally.completed("committed " + (rows + bad) + " lines, up to line " + lastLine
                + (bad > 0 ? " (" + bad + " bad, kept as error records)" : ""), rows + bad, 0);
    }

    private SqlDialect dialectOf(Connection connection) throws SQLException {
        SqlDialect known = dialect;
        if (known == null) {
            known = SqlDialect.of(connection);
            dialect = known;
        }
        return known;
    }

    private void setUpOnce() throws SQLException {
        if (setUp || setupSql.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute(setupSql);
        }
        setUp = true;
    }

    private void insert(Connection connection, SqlDialect dialect, List<TailLine> lines, List<Map<String, Object>> values,
                        List<ErrorRecord> bad) throws SQLException {
        if (lines.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(template.jdbcSql())) {
            Savepoint beforeBatch = connection.setSavepoint();
            try {
                for (Map<String, Object> row : values) {
                    bind(statement, dialect, row);
                    statement.addBatch();
                }
                statement.executeBatch();
                connection.releaseSavepoint(beforeBatch);
                return;
            } catch (SQLException e) {
                if (!isRejectedValue(e, dialect)) {
                    throw e;
                }
                connection.rollback(beforeBatch);
                statement.clearBatch();
            }
            // Some line was rejected: store the batch line by line to find which, keeping all the others.
            for (int i = 0; i < lines.size(); i++) {
                Savepoint beforeLine = connection.setSavepoint();
                try {
                    bind(statement, dialect, values.get(i));
                    statement.executeUpdate();
                    connection.releaseSavepoint(beforeLine);
                } catch (SQLException e) {
                    if (!isRejectedValue(e, dialect)) {
                        throw e;
                    }
                    connection.rollback(beforeLine);
                    bad.add(errorFor(lines.get(i), "rejected by the database: " + e.getMessage()));
                }
            }
        }
    }

    private void bind(PreparedStatement statement, SqlDialect dialect, Map<String, Object> row) throws SQLException {
        List<String> names = template.parameters();
        for (int i = 0; i < names.size(); i++) {
            Object value = row.get(names.get(i));
            if (value instanceof String text && dialect.kind() == SqlDialect.Kind.POSTGRESQL) {
                // Untyped, so PostgreSQL converts the text to the column's type (and rejects what does not fit).
                statement.setObject(i + 1, text, Types.OTHER);
            } else {
                statement.setObject(i + 1, value);
            }
        }
    }

    /** A value or constraint problem of one row, as opposed to a problem of the database or the statement. */
    static boolean isRejectedValue(SQLException failure, SqlDialect dialect) {
        for (SQLException e = failure; e != null; e = next(e)) {
            String state = e.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return true;
            }
            // SQLite result codes: 18 TOOBIG, 19 CONSTRAINT, 20 MISMATCH.
            int code = e.getErrorCode() & 0xff;
            if (dialect.kind() == SqlDialect.Kind.SQLITE && (code == 18 || code == 19 || code == 20)) {
                return true;
            }
        }
        return false;
    }

    private static SQLException next(SQLException e) {
        SQLException next = e.getNextException();
        if (next == null && e.getCause() instanceof SQLException cause && cause != e) {
            return cause;
        }
        return next == e ? null : next;
    }

    private ErrorRecord errorFor(TailLine line, String reason) {
        return new ErrorRecord(Instant.now(), job, line.path(), line.lineNumber(), line.offset(), line.text(), reason,
                "bad line", false);
    }
}
