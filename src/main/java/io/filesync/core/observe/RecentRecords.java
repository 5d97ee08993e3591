package io.filesync.core.observe;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import io.filesync.core.DryRunRecords;
import io.filesync.core.error.ErrorRecorder;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest rows of filesync's record tables for the facts: error records, dry-run "would delete" records, mirror
 * audit steps, and the mirror transfers under way (actions whose newest step is STARTED or PROGRESS). Every read is
 * one indexed query capped by {@code setMaxRows}, so a table of millions of rows costs what a table of twenty does.
 * A table not created yet (the job never ran) reads as empty.
 * <p>
 * The database may hang or be down while the facts are asked for, exactly when an operator looks: the reads run on a
 * thread of Camel's, at most one at a time, waited for at most {@link #WAIT}; past that the facts carry the last rows
 * read and a {@code recordsProblem}, as a health probe answers DOWN instead of hanging.
 */
final class RecentRecords {

    static final Duration WAIT = Duration.ofSeconds(3);
    private static final String BEAN = "filesyncRecentRecords";
    private static final Object CREATION = new Object();

    private final DataSource dataSource;
    private final ExecutorService reader;
    private Future<Map<String, Object>> reading;
    private Map<String, Object> lastRead = Map.of();

    private RecentRecords(DataSource dataSource, ExecutorService reader) {
        this.dataSource = dataSource;
        this.reader = reader;
    }

    /** The context's instance, reading from its database bean. */
    static RecentRecords of(CamelContext context, DataSource dataSource) {
        synchronized (CREATION) {
            RecentRecords records = context.getRegistry().lookupByNameAndType(BEAN, RecentRecords.class);
            if (records == null || records.dataSource != dataSource) {
                ExecutorService reader = context.getExecutorServiceManager().newSingleThreadExecutor(RecentRecords.class,
                        "filesync-facts-records");
                records = new RecentRecords(dataSource, reader);
                context.getRegistry().bind(BEAN, records);
            }
            return records;
        }
    }

    /** Adds the record lists to {@code facts}: freshly read, or the last ones read and why they are not fresh. */
    void addTo(Map<String, Object> facts) {
        Future<Map<String, Object>> answer;
        synchronized (this) {
            if (reading == null || reading.isDone()) {
                reading = reader.submit(() -> read(dataSource));
            }
            answer = reading;
        }
        try {
            Map<String, Object> read = answer.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            synchronized (this) {
                lastRead = read;
            }
            facts.putAll(read);
            return;
        } catch (TimeoutException e) {
            facts.put("recordsProblem", "the database did not answer within " + WAIT.toSeconds() + " s");
        } catch (ExecutionException e) {
            facts.put("recordsProblem", "could not read the records: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            facts.put("recordsProblem", "interrupted");
        }
        synchronized (this) {
            facts.putAll(empty());
            facts.putAll(lastRead);
        }
    }

    private static Map<String, Object> empty() {
        Map<String, Object> lists = new LinkedHashMap<>();
        for (String key : new String[] {"errors", "wouldDelete", "audits", "transfers"}) {
            lists.put(key, List.of());
        }
        return lists;
    }

    static final int SHOWN = 20;

    /** Audit rows looked at to find the transfers under way: a transfer's newest step is among them while it moves. */
    private static final int AUDIT_WINDOW = 500;
    private static final String MIRROR_AUDIT = "filesync_mirror_audit";
    private static final Set<String> UNDER_WAY = Set.of("STARTED", "PROGRESS");

    private static final Logger LOG = LoggerFactory.getLogger(RecentRecords.class);

    private static Map<String, Object> read(DataSource dataSource) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("errors", rows(dataSource, "SELECT occurred_at, job, source, line_number, reason, retried FROM "
                + ErrorRecorder.TABLE + " ORDER BY id DESC", SHOWN));
        facts.put("wouldDelete", rows(dataSource, "SELECT occurred_at, job, action, subject, detail FROM "
                + DryRunRecords.TABLE + " ORDER BY occurred_at DESC", SHOWN));
        List<Map<String, Object>> audit = rows(dataSource, "SELECT occurred_at, mapping, action_id, kind, path, event, bytes,"
                + " detail FROM " + MIRROR_AUDIT + " ORDER BY id DESC", AUDIT_WINDOW);
        facts.put("audits", audit.subList(0, Math.min(SHOWN, audit.size())));
        facts.put("transfers", underWay(audit));
        return facts;
    }

    /** Newest row first: an action is under way when the first row that names it is a start or a progress step. */
    private static List<Map<String, Object>> underWay(List<Map<String, Object>> newestFirst) {
        Map<Object, Map<String, Object>> newestByAction = new LinkedHashMap<>();
        for (Map<String, Object> row : newestFirst) {
            Object action = row.get("action_id");
            if (action != null) {
                newestByAction.putIfAbsent(action, row);
            }
        }
        return newestByAction.values().stream().filter(row -> UNDER_WAY.contains(row.get("event"))).toList();
    }

    private static List<Map<String, Object>> rows(DataSource dataSource, String sql, int limit) {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (dataSource == null) {
            return rows;
        }
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.setMaxRows(limit);
            try (ResultSet result = statement.executeQuery(sql)) {
                ResultSetMetaData meta = result.getMetaData();
                while (result.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int column = 1; column <= meta.getColumnCount(); column++) {
                        row.put(meta.getColumnLabel(column).toLowerCase(Locale.ROOT), plain(result.getObject(column)));
                    }
                    rows.add(row);
                }
            }
        } catch (SQLException e) {
            // Most often the table does not exist yet; a database outage shows in the database check.
            LOG.debug("Facts: could not read recent records ({}): {}", sql, e.getMessage());
        }
        return rows;
    }

    /** Values JSON carries as they are: instants as ISO-8601 text in every database. */
    private static Object plain(Object value) {
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant().toString();
        }
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toString();
        }
        return value;
    }
}
