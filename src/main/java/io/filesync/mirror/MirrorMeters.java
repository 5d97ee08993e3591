package io.filesync.mirror;

import java.util.concurrent.atomic.LongAdder;

/**
 * What one mapping's actions came to since the start, as plain counters the observe layer reads: files sent,
 * failed runs and retries. Counted once per settled action, on the worker that ran it.
 */
final class MirrorMeters {

    private final LongAdder filesSent = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder retries = new LongAdder();

    void settled(Settlement settlement) {
        switch (settlement.disposition()) {
            case DONE -> completed.increment();
            case RETRY_COUNTED -> {
                failures.increment();
                retries.increment();
            }
            case FAILED -> failures.increment();
            case RETRY -> {
                // Not started, or the file changed during its upload: it goes again, nothing failed.
            }
        }
        filesSent.add(settlement.sent().size());
    }

    /** Files whose content reached the remote (a rename that also sent new content counts once). */
    long filesSent() {
        return filesSent.sum();
    }

    /** Actions finished: sends, deletes and renames, including those with nothing to do. */
    long completed() {
        return completed.sum();
    }

    /** Runs that failed: retried later, or kept as failed until the path changes. */
    long failures() {
        return failures.sum();
    }

    /** Failed runs queued again with backoff. */
    long retries() {
        return retries.sum();
    }
}
