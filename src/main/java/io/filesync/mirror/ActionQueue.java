package io.filesync.mirror;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.Transactions;
import io.filesync.core.db.ManagedTable;

/**
 * The durable queue of one mapping's actions, in table {@value #TABLE}. An action is committed here before the change
 * that caused it is acknowledged, so a kill -9 at any moment loses nothing: what was running is queued again on the
 * next start ({@link #requeueRunning()}).
 * <p>
 * De-duplicated per path: a send waiting for a path absorbs every later send of that path (the executor reads the
 * file when it runs, so the newest content goes out), so 1,000 rewrites while the remote is slow give at most the
 * send that is running plus one waiting. Actions on one path run in queue order: only an action with no earlier
 * unfinished action on its path (or, for a move, on its previous path) is offered by {@link #due(long, int)}. A
 * folder's own actions are ordered with the folder's path, not with the paths below it.
 * <p>
 * States: QUEUED (waiting, possibly until {@code due_at} after a failure), RUNNING, FAILED (bad input that retrying
 * will not fix; kept for the operator, superseded by the next action on its path). Finished actions are deleted;
 * their history is in {@link MirrorAudit}.
 */
public final class ActionQueue {

    public static final String TABLE = "filesync_mirror_queue";

    /** What {@link #enqueue} did. */
    public enum Outcome {
        QUEUED, COALESCED,
        /** A send made redundant by a waiting move, or a running send, that already carries this version to the path. */
        SKIPPED,
        /**
         * A move queued in place of a waiting send of its destination with the same version: the file source saw the
         * renamed file as new before the watcher reported the rename, and the rename brings that content anyway.
         */
        REPLACED_SEND
    }

    /**
     * Every action touching a path, oldest first: by its path or, for moves, by where it came from. Two index lookups
     * joined, not one {@code path = ? OR previous_path = ?}: for that, SQLite's planner takes the (mapping, state, id)
     * index and visits every action of the mapping, so an initial sync of n files cost n^2/2 row visits.
     */
    static final String PATH_ACTIONS = "SELECT id, kind, path, version, state FROM %s WHERE mapping = ? AND path = ?"
            + " UNION SELECT id, kind, path, version, state FROM %1$s WHERE mapping = ? AND previous_path = ? ORDER BY id";
    /** Whether a path has an unfinished action; two index lookups, as {@link #PATH_ACTIONS}. */
    static final String PATH_PENDING = "SELECT 1 FROM %s WHERE mapping = ? AND path = ? AND state <> 'FAILED'"
            + " UNION ALL SELECT 1 FROM %1$s WHERE mapping = ? AND previous_path = ? AND state <> 'FAILED'";
    static final String DROP_FAILED = "DELETE FROM %s WHERE mapping = ? AND path = ? AND state = 'FAILED'";
    static final String DROP_WAITING_SEND = "DELETE FROM %s WHERE mapping = ? AND path = ? AND kind = 'SEND' AND state = 'QUEUED'";

    /** How many of the oldest queued actions one {@link #due} looks at. */
    private static final int WINDOW = 2000;

    private final DataSource dataSource;
    private final String mapping;
    private volatile boolean indexed;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "id " + sql.identityColumn() + ", "
            + "mapping VARCHAR(255) NOT NULL, "
            + "kind VARCHAR(16) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "previous_path VARCHAR(2000), "
            + "version VARCHAR(64), "
            + "directory SMALLINT NOT NULL, "
            + "state VARCHAR(16) NOT NULL, "
            + "attempts INTEGER NOT NULL, "
            + "due_at BIGINT NOT NULL, "
            + "last_error " + sql.textType());

    public ActionQueue(DataSource dataSource, String mapping) {
        this.dataSource = dataSource;
        this.mapping = mapping;
    }

    /**
     * Records an action, merging it into a waiting send of the same path where that gives the same result.
     * Earlier FAILED actions on the path are superseded.
     */
    public Outcome enqueue(ActionKind kind, String path, String previousPath, String version, boolean directory)
            throws SQLException {
        return write(connection -> enqueue(connection, kind, path, previousPath, version, directory, 0));
    }

    /**
     * {@link #enqueue(ActionKind, String, String, String, boolean)} inside the caller's transaction, not to run before
     * {@code dueAtMillis} (0: at once). One indexed read
     * of the path's actions decides everything, so a change costs that read and two writes.
     */
    Outcome enqueue(Connection connection, ActionKind kind, String path, String previousPath, String version,
                    boolean directory, long dueAtMillis) throws SQLException {
        prepare(connection);
        // A write first: on SQLite it takes the write lock at once. Reading first would open a snapshot that another
        // connection's commit can invalidate before our write (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out).
        execute(connection, DROP_FAILED, mapping, path);
        Long waitingSend = null;
        String waitingSendVersion = null;
        boolean waitingSendIsLast = false;
        String movedHereVersion = null;
        String runningSendVersion = null;
        try (PreparedStatement query = connection.prepareStatement(table.sql(connection, PATH_ACTIONS))) {
            query.setString(1, mapping);
            query.setString(2, path);
            query.setString(3, mapping);
            query.setString(4, path);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    boolean onPath = path.equals(rows.getString(3));
                    String state = rows.getString(5);
                    if ("FAILED".equals(state)) {
                        continue;
                    }
                    boolean queuedSend = onPath && "SEND".equals(rows.getString(2)) && "QUEUED".equals(state);
                    if (queuedSend) {
                        waitingSend = rows.getLong(1);
                        waitingSendVersion = rows.getString(4);
                    }
                    // Merging into a waiting send keeps the order only if nothing later touches the path.
                    waitingSendIsLast = queuedSend;
                    // The version a waiting or running move brings here, when that move is the path's last action.
                    movedHereVersion = onPath && "MOVE".equals(rows.getString(2)) ? rows.getString(4) : null;
                    // The version a running send is sending, when that send is the path's last action.
                    runningSendVersion = onPath && "SEND".equals(rows.getString(2)) && "RUNNING".equals(state)
                            ? rows.getString(4) : null;
                }
            }
        }
        if (kind == ActionKind.SEND) {
            // The same version again (a file announced twice, as after a restart) adds nothing: a change of the file
            // during that upload makes it fail and send the newest content anyway.
            if (version != null && (version.equals(movedHereVersion) || version.equals(runningSendVersion))) {
                return Outcome.SKIPPED;
            }
            if (waitingSend != null && waitingSendIsLast) {
                execute(connection, "UPDATE %s SET version = ? WHERE id = ?", version, waitingSend);
                return Outcome.COALESCED;
            }
        } else {
            // A waiting send of a path that is gone or moved would only find the file missing.
            execute(connection, DROP_WAITING_SEND, mapping, kind == ActionKind.MOVE ? previousPath : path);
        }
        // A move that brings the very version a waiting send of its destination would upload makes that send redundant.
        boolean replacesSend = kind == ActionKind.MOVE && version != null && waitingSendIsLast
                && version.equals(waitingSendVersion);
        if (replacesSend) {
            execute(connection, "DELETE FROM %s WHERE id = ?", waitingSend);
        }
        execute(connection, "INSERT INTO %s (mapping, kind, path, previous_path, version, directory, state, attempts, due_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, 'QUEUED', 0, ?)", mapping, kind.name(), path, previousPath, version,
                directory ? 1 : 0, dueAtMillis);
        return replacesSend ? Outcome.REPLACED_SEND : Outcome.QUEUED;
    }

    /**
     * Drops the waiting actions of one kind at a path and, with {@code below}, below it as a folder, inside the
     * caller's transaction; returns their paths. For a folder moved to a path, its files' sends: the file source finds
     * the moved files as new before the watcher reports the move, and the remote rename brings their content (the
     * move's runner then queues a send for any file whose version the remote does not hold). For a path moved away,
     * the deletes the start's complete-sync comparison queued: the rename takes it off the remote.
     */
    List<String> dropWaiting(Connection connection, ActionKind kind, String path, boolean below) throws SQLException {
        prepare(connection);
        String folder = path.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "/%";
        String where = " FROM %s WHERE mapping = ? AND kind = ? AND state = 'QUEUED' AND (path = ?"
                + (below ? " OR path LIKE ? ESCAPE '!')" : ")");
        Object[] parameters = below ? new Object[] {mapping, kind.name(), path, folder} : new Object[] {mapping, kind.name(), path};
        List<String> dropped = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(table.sql(connection, "SELECT path" + where + " ORDER BY id"))) {
            for (int i = 0; i < parameters.length; i++) {
                query.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    dropped.add(rows.getString(1));
                }
            }
        }
        if (!dropped.isEmpty()) {
            execute(connection, "DELETE" + where, parameters);
        }
        return dropped;
    }

    /** Up to {@code limit} actions that may run now, oldest first, each the first unfinished action of its path ({@link PathOrder}). */
    public List<MirrorAction> due(long nowMillis, int limit) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            prepare(connection);
            return PathOrder.due(select(connection, "state = 'RUNNING'", Integer.MAX_VALUE),
                    select(connection, "state = 'QUEUED'", Math.max(WINDOW, limit * 4)), nowMillis, limit);
        }
    }

    private List<MirrorAction> select(Connection connection, String condition, int limit) throws SQLException {
        String sql = table.sql(connection, "SELECT id, kind, path, previous_path, version, directory, attempts, due_at"
                + " FROM %s WHERE mapping = ? AND " + condition + " ORDER BY id LIMIT " + limit);
        List<MirrorAction> actions = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            query.setString(1, mapping);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    actions.add(new MirrorAction(rows.getLong(1), ActionKind.valueOf(rows.getString(2)), rows.getString(3),
                            rows.getString(4), rows.getString(5), rows.getInt(6) != 0, rows.getInt(7), rows.getLong(8)));
                }
            }
        }
        return actions;
    }

    /**
     * Marks the given actions as running inside the caller's transaction, and returns those that still were waiting:
     * an action offered by {@link #due} may since have been dropped by a later delete or move of its path.
     */
    List<MirrorAction> claim(Connection connection, List<MirrorAction> offered) throws SQLException {
        List<MirrorAction> claimed = new ArrayList<>();
        try (PreparedStatement update = connection.prepareStatement(sqlOf(connection,
                "UPDATE %s SET state = 'RUNNING' WHERE id = ? AND state = 'QUEUED'"))) {
            for (MirrorAction action : offered) {
                update.setLong(1, action.id());
                if (update.executeUpdate() == 1) {
                    claimed.add(action);
                }
            }
        }
        return claimed;
    }

    /** Records how running actions ended, inside the caller's transaction. */
    void settle(Connection connection, List<Settlement> settlements) throws SQLException {
        prepare(connection);
        try (PreparedStatement delete = connection.prepareStatement(table.sql(connection, "DELETE FROM %s WHERE id = ?"));
             PreparedStatement retry = connection.prepareStatement(table.sql(connection, "UPDATE %s SET state = 'QUEUED',"
                     + " due_at = ?, attempts = attempts + ?, last_error = ? WHERE id = ?"));
             PreparedStatement fail = connection.prepareStatement(table.sql(connection,
                     "UPDATE %s SET state = 'FAILED', last_error = ? WHERE id = ?"))) {
            for (Settlement settlement : settlements) {
                long id = settlement.action().id();
                switch (settlement.disposition()) {
                    case DONE -> {
                        delete.setLong(1, id);
                        delete.executeUpdate();
                    }
                    case RETRY, RETRY_COUNTED -> {
                        retry.setLong(1, settlement.dueAtMillis());
                        retry.setInt(2, settlement.disposition() == Settlement.Disposition.RETRY_COUNTED ? 1 : 0);
                        retry.setString(3, settlement.error());
                        retry.setLong(4, id);
                        retry.executeUpdate();
                    }
                    case FAILED -> {
                        fail.setString(1, settlement.error());
                        fail.setLong(2, id);
                        fail.executeUpdate();
                    }
                }
            }
        }
    }

    /** After a crash or stop: whatever was running runs again. Returns how many. */
    public int requeueRunning() throws SQLException {
        return write(connection -> execute(connection,
                "UPDATE %s SET state = 'QUEUED', due_at = 0 WHERE mapping = ? AND state = 'RUNNING'", mapping));
    }

    /** Actions not yet finished (queued or running), failed ones excluded. */
    public int pending() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(sqlOf(connection,
                     "SELECT COUNT(*) FROM %s WHERE mapping = ? AND state <> 'FAILED'"))) {
            query.setString(1, mapping);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /**
     * Actions queued or running, counted up to {@code cap}: on a huge queue a metric reads a bounded part of the
     * index, never all of it.
     */
    public long pendingUpTo(long cap) throws SQLException {
        return scalar("SELECT COUNT(*) FROM (SELECT 1 FROM %s WHERE mapping = ? AND state IN ('QUEUED', 'RUNNING') LIMIT "
                + cap + ") pending", -1);
    }

    /** The id of the oldest action queued or running, or -1: two lookups of the (mapping, state, id) index. */
    public long oldestPendingId() throws SQLException {
        long queued = scalar("SELECT MIN(id) FROM %s WHERE mapping = ? AND state = 'QUEUED'", -1);
        long running = scalar("SELECT MIN(id) FROM %s WHERE mapping = ? AND state = 'RUNNING'", -1);
        return queued < 0 ? running : running < 0 ? queued : Math.min(queued, running);
    }

    /** The newest id of the queue table (all mappings share its sequence), or -1 when it is empty. */
    public long newestId() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sqlOf(connection, "SELECT MAX(id) FROM %s"))) {
            rows.next();
            long id = rows.getLong(1);
            return rows.wasNull() ? -1 : id;
        }
    }

    private long scalar(String template, long whenNull) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(sqlOf(connection, template))) {
            query.setString(1, mapping);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                long value = rows.getLong(1);
                return rows.wasNull() ? whenNull : value;
            }
        }
    }

    /** Whether some action on this path is queued or running. */
    public boolean hasPending(String path) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(sqlOf(connection,
                     PATH_PENDING))) {
            query.setString(1, mapping);
            query.setString(2, path);
            query.setString(3, mapping);
            query.setString(4, path);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next();
            }
        }
    }

    private String sqlOf(Connection connection, String template) throws SQLException {
        prepare(connection);
        return table.sql(connection, template);
    }

    private void prepare(Connection connection) throws SQLException {
        table.prepare(connection);
        if (!indexed) {
            // Without these, finding the first action of a path scans the queue: 10,000 queued files would cost 10^8.
            try (Statement statement = connection.createStatement()) {
                // With the state, so a statement naming path and state searches by path, not by (mapping, state)
                // through every queued action of the mapping. Replaces the earlier (mapping, path) index.
                statement.execute("CREATE INDEX IF NOT EXISTS filesync_mirror_queue_path_state ON " + TABLE + " (mapping, path, state)");
                statement.execute("DROP INDEX IF EXISTS filesync_mirror_queue_path");
                statement.execute("CREATE INDEX IF NOT EXISTS filesync_mirror_queue_previous ON " + TABLE + " (mapping, previous_path)");
                statement.execute("CREATE INDEX IF NOT EXISTS filesync_mirror_queue_order ON " + TABLE + " (mapping, state, id)");
            }
            indexed = true;
        }
    }

    /**
     * Runs writes in one transaction, under the JVM's SQLite write lock: the queue, the audit rows and the remote
     * state of a batch of actions commit together, so a batch costs one commit instead of several per action.
     * Synchronized because de-duplication reads then writes: on PostgreSQL the write lock is no lock at all.
     */
    synchronized <T> T write(Transactions.Work<T> work) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            prepare(connection);
            return Transactions.inTransaction(connection, work);
        }
    }

    private int execute(Connection connection, String template, Object... parameters) throws SQLException {
        return ManagedTable.execute(connection, table.sql(connection, template), parameters);
    }
}
