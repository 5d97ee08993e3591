package io.filesync.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;

/**
 * The client's durable action queue, table {@value #TABLE}: at most one entry per path, so a file saved fifty times
 * while the server is away is sent once, in its last state. An entry only names a path to bring in line (and, for a
 * move, where it came from): what to do is decided when it is processed, from the folder as it is then, so the last
 * change always wins and a replayed entry is harmless.
 * <p>
 * A move stays a move when later changes to its destination are queued, so the server still renames before it
 * receives the changes. Entries that failed wait with exponential backoff; a processed entry is removed only if no
 * newer change to its path arrived meanwhile.
 */
public final class SyncQueue {

    public static final String TABLE = "sync_client_queue";

    /** One queued path; {@code from} is set for a move. */
    public record Entry(String path, String from, long seq, int attempts) {
    }

    private final DataSource dataSource;
    private final String queueKey;
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean seqIndexed;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "queue_key VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "previous_path VARCHAR(2000), "
            + "seq BIGINT NOT NULL, "
            + "attempts INTEGER NOT NULL, "
            + "next_attempt_ms BIGINT NOT NULL, "
            + "PRIMARY KEY (queue_key, path)");

    public SyncQueue(DataSource dataSource, String queueKey) {
        this.dataSource = dataSource;
        this.queueKey = queueKey;
    }

    /** Queues a path (and for a move, its previous path), replacing any entry for the same path. */
    public synchronized void add(String path, String from) {
        run(connection -> {
            try (DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
                String keptFrom = from;
                if (keptFrom == null) {
                    try (PreparedStatement query = connection.prepareStatement(table.sql(connection,
                            "SELECT previous_path FROM %s WHERE queue_key = ? AND path = ?"))) {
                        query.setString(1, queueKey);
                        query.setString(2, path);
                        try (ResultSet rows = query.executeQuery()) {
                            keptFrom = rows.next() ? rows.getString(1) : null;
                        }
                    }
                }
                table.upsert(connection, List.of("queue_key", "path"), List.of("previous_path", "seq", "attempts", "next_attempt_ms"),
                        new Object[] {queueKey, path}, new Object[] {keptFrom, nextSeq(connection), 0, 0L});
            }
            return null;
        });
    }

    /** Entries due now, oldest change first. */
    public List<Entry> due(long nowMillis, int limit) {
        return run(connection -> {
            List<Entry> entries = new ArrayList<>();
            try (PreparedStatement query = connection.prepareStatement(table.sql(connection,
                    "SELECT path, previous_path, seq, attempts FROM %s WHERE queue_key = ? AND next_attempt_ms <= ? ORDER BY seq"))) {
                query.setString(1, queueKey);
                query.setLong(2, nowMillis);
                query.setMaxRows(limit);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new Entry(rows.getString(1), rows.getString(2), rows.getLong(3), rows.getInt(4)));
                    }
                }
            }
            return entries;
        });
    }

    public int size() {
        return run(connection -> {
            try (PreparedStatement query = connection.prepareStatement(table.sql(connection, "SELECT COUNT(*) FROM %s WHERE queue_key = ?"))) {
                query.setString(1, queueKey);
                try (ResultSet rows = query.executeQuery()) {
                    rows.next();
                    return rows.getInt(1);
                }
            }
        });
    }

    /** Entries queued, counted up to {@code cap}, for the queue-depth metric. */
    public long sizeUpTo(long cap) {
        return scalar("SELECT COUNT(*) FROM (SELECT 1 FROM %s WHERE queue_key = ? LIMIT " + cap + ") queued");
    }

    /** The sequence number of the oldest queued change, or -1: one lookup of the (queue_key, seq) index. */
    public long oldestSeq() {
        return scalar("SELECT MIN(seq) FROM %s WHERE queue_key = ?");
    }

    /** The sequence number of the newest queued change, or -1. */
    public long newestSeq() {
        return scalar("SELECT MAX(seq) FROM %s WHERE queue_key = ?");
    }

    private long scalar(String template) {
        return run(connection -> {
            if (!seqIndexed) {
                // Without it, the oldest entry of a big queue is found by reading all of them, once per scrape.
                try (java.sql.Statement statement = connection.createStatement()) {
                    statement.execute(table.sql(connection, "CREATE INDEX IF NOT EXISTS sync_client_queue_seq ON %s (queue_key, seq)"));
                }
                seqIndexed = true;
            }
            try (PreparedStatement query = connection.prepareStatement(table.sql(connection, template))) {
                query.setString(1, queueKey);
                try (ResultSet rows = query.executeQuery()) {
                    rows.next();
                    long value = rows.getLong(1);
                    return rows.wasNull() ? -1L : value;
                }
            }
        });
    }

    /** Removes a processed entry, unless the path changed again since it was read. */
    public synchronized void done(Entry entry) {
        update("DELETE FROM %s WHERE queue_key = ? AND path = ? AND seq = ?", queueKey, entry.path(), entry.seq());
    }

    /** Puts an entry back for a later attempt. */
    public synchronized void retryAt(Entry entry, long nextAttemptMillis) {
        update("UPDATE %s SET attempts = ?, next_attempt_ms = ? WHERE queue_key = ? AND path = ? AND seq = ?",
                entry.attempts() + 1, nextAttemptMillis, queueKey, entry.path(), entry.seq());
    }

    private long nextSeq(Connection connection) throws SQLException {
        if (sequence.get() == 0) {
            try (PreparedStatement query = connection.prepareStatement(table.sql(connection,
                    "SELECT MAX(seq) FROM %s WHERE queue_key = ?"))) {
                query.setString(1, queueKey);
                try (ResultSet rows = query.executeQuery()) {
                    long max = rows.next() ? rows.getLong(1) : 0;
                    sequence.compareAndSet(0, Math.max(max, 1));
                }
            }
        }
        return sequence.incrementAndGet();
    }

    private void update(String template, Object... arguments) {
        run(connection -> {
            try (DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
                return ManagedTable.execute(connection, table.sql(connection, template), arguments);
            }
        });
    }

    private <T> T run(Work<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("Sync queue table " + TABLE + " is not reachable: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }
}
