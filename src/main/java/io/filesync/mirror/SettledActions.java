package io.filesync.mirror;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.filesync.core.FileVersionRepository;
import io.filesync.mirror.MirrorAudit.Row;

/**
 * How finished actions ended, collected from the workers and committed in batches: queue, audit and remote state of
 * the whole batch in one transaction. Until it commits, the actions stay running in the queue, so a kill -9 before
 * the commit runs them again; a small initial sync costs one commit per batch instead of several per file.
 */
final class SettledActions {

    private final ActionQueue queue;
    private final MirrorAudit audit;
    private final FileVersionRepository remoteState;
    private final Queue<Settlement> settled = new ConcurrentLinkedQueue<>();

    SettledActions(ActionQueue queue, MirrorAudit audit, FileVersionRepository remoteState) {
        this.queue = queue;
        this.audit = audit;
        this.remoteState = remoteState;
    }

    /** A worker's result, committed with the next batch; any thread. */
    void add(Settlement settlement) {
        settled.add(settlement);
    }

    /** Commits everything added so far; what fails to commit is kept for the next try. */
    void commit() throws SQLException {
        if (settled.isEmpty()) {
            return;
        }
        List<Settlement> batch = new ArrayList<>();
        for (Settlement next = settled.poll(); next != null; next = settled.poll()) {
            batch.add(next);
        }
        List<Row> rows = new ArrayList<>();
        Map<String, String> sent = new HashMap<>();
        for (Settlement settlement : batch) {
            rows.addAll(settlement.audit());
            sent.putAll(settlement.sent());
        }
        try {
            queue.write(connection -> {
                remoteState.writeBatch(connection, sent, List.of());
                audit.insert(connection, rows);
                queue.settle(connection, batch);
                return null;
            });
        } catch (SQLException | RuntimeException e) {
            settled.addAll(batch);
            throw e;
        }
    }
}
