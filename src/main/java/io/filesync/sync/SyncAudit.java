package io.filesync.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.SqlDialect;
import io.filesync.core.db.Transactions;
import io.filesync.core.observe.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's history: one row in table {@value #TABLE} per change it applied (and per refused request), with the
 * client, the path, the operation, the content bytes it received and the bytes dedup spared the wire. Each change
 * recorded is also said in the log, one line each while few and summarised per interval when many.
 */
public final class SyncAudit {

    private static final Logger LOG = LoggerFactory.getLogger(SyncAudit.class);

    public static final String TABLE = "sync_audit";

    /** One audit row. */
    public record Entry(Instant at, String client, String path, String operation, long bytesReceived, long bytesSaved,
                        String detail) {
    }

    private final DataSource dataSource;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "id " + sql.identityColumn() + ", "
            + "at " + sql.timestampType() + " NOT NULL, "
            + "client VARCHAR(200), "
            + "path " + sql.textType() + ", "
            + "operation VARCHAR(20) NOT NULL, "
            + "bytes_received BIGINT NOT NULL, "
            + "bytes_saved BIGINT NOT NULL, "
            + "detail " + sql.textType());

    private volatile Progress.Tally applied = Progress.silent().tally(LOG, "Sync server", "changes applied");

    public SyncAudit(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Says the changes applied through the context's progress reporter; until then they are said at DEBUG only. */
    public void sayThrough(Progress progress) {
        applied = progress.tally(LOG, "Sync server", "changes applied");
    }

    /** A row stamped now. */
    public static Entry entry(String client, String path, String operation, long received, long saved, String detail) {
        return new Entry(Instant.now(), client, path, operation, received, saved, detail);
    }

    public void record(Entry entry) {
        recordAll(List.of(entry));
    }

    /** Records many rows in one transaction: a batch of 500 small files costs one commit, not 500. */
    public void recordAll(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection()) {
            SqlDialect sql = table.prepare(connection);
            Transactions.inTransaction(connection, tx -> {
                try (PreparedStatement insert = tx.prepareStatement(table.sql(tx,
                        "INSERT INTO %s (at, client, path, operation, bytes_received, bytes_saved, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"))) {
                    for (Entry entry : entries) {
                        sql.setInstant(insert, 1, entry.at());
                        insert.setString(2, entry.client());
                        insert.setString(3, entry.path());
                        insert.setString(4, entry.operation());
                        insert.setLong(5, entry.bytesReceived());
                        insert.setLong(6, entry.bytesSaved());
                        insert.setString(7, entry.detail());
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                return null;
            });
        } catch (SQLException e) {
            throw new IllegalStateException("Audit table " + TABLE + " is not reachable: " + e.getMessage(), e);
        }
        Progress.Tally tally = applied;
        for (Entry entry : entries) {
            if (!"refused".equals(entry.operation())) {
                tally.completed(entry.operation() + " " + (entry.path() == null ? "" : SyncPaths.printable(entry.path()))
                        + " from " + entry.client() + (entry.bytesReceived() > 0 ? ", " + entry.bytesReceived() + " bytes received" : "")
                        + (entry.bytesSaved() > 0 ? ", " + entry.bytesSaved() + " bytes spared by dedup" : ""),
                        1, entry.bytesReceived());
            }
        }
    }

    /** Every row, oldest first; for tests and tools. */
    public List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(table.sql(connection,
                     "SELECT at, client, path, operation, bytes_received, bytes_saved, detail FROM %s ORDER BY id"));
             ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                Object at = rows.getObject(1);
                entries.add(new Entry(at instanceof java.time.OffsetDateTime o ? o.toInstant()
                        : at instanceof java.sql.Timestamp t ? t.toInstant() : Instant.parse(String.valueOf(at)),
                        rows.getString(2), rows.getString(3), rows.getString(4), rows.getLong(5), rows.getLong(6),
                        rows.getString(7)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Audit table " + TABLE + " is not reachable: " + e.getMessage(), e);
        }
        return entries;
    }
}
