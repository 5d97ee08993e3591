package io.filesync.mirror;

import java.util.List;
import java.util.Map;

/**
 * How one run of an action ended, as the workers hand it to the engine: what becomes of the queued action, the audit
 * rows to write and the versions now on the remote. The engine commits the settlements of many actions in one
 * transaction, and only then is an action done: a kill -9 before that runs it again, never loses it.
 *
 * @param action      the action that ran
 * @param disposition what becomes of it in the queue
 * @param dueAtMillis for a retry, not before this time
 * @param error       for a retry or failure, the reason kept in the queue
 * @param audit       rows for {@link MirrorAudit}, in order
 * @param sent        path to the state recorded for it (version and checksum of what the remote now holds)
 */
record Settlement(MirrorAction action, Disposition disposition, long dueAtMillis, String error,
                  List<MirrorAudit.Row> audit, Map<String, String> sent) {

    /** What becomes of a settled action. */
    enum Disposition {
        /** Finished: removed from the queue. */
        DONE,
        /** Queued again, not counted as a failed attempt (stopped, paused, the file changed meanwhile). */
        RETRY,
        /** Queued again after a failure, counted for the backoff. */
        RETRY_COUNTED,
        /** Kept as failed until the path changes: retrying cannot help. */
        FAILED
    }

    static Settlement done(MirrorAction action, MirrorAudit.Row row, Map<String, String> sent) {
        return new Settlement(action, Disposition.DONE, 0, null, List.of(row), sent);
    }

    static Settlement retry(MirrorAction action, Disposition disposition, long dueAtMillis, String error, MirrorAudit.Row... rows) {
        return new Settlement(action, disposition, dueAtMillis, error, List.of(rows), Map.of());
    }

    /** An action claimed but not run (the mirror stopping, or the queue paused meanwhile): back to the queue as it was. */
    static Settlement notStarted(String mapping, MirrorAction action, String reason) {
        return retry(action, Disposition.RETRY, 0, null,
                MirrorAudit.Row.of(mapping, action, MirrorAudit.Event.RETRIED, null, "not started: " + reason + "; queued again"));
    }
}
