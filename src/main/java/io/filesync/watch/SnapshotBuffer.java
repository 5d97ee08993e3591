package io.filesync.watch;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-behind buffer in front of a {@link SnapshotStore}: changes collect in memory and go out as one batch when
 * enough piled up or a short time passed, so a burst of 20,000 files costs a handful of transactions. A failed write
 * keeps the batch and is retried on the next flush; the snapshot is only ever behind, which at worst repeats
 * events after a crash (at least once), never loses them.
 */
final class SnapshotBuffer {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBuffer.class);

    static final int MAX_PENDING = 5_000;
    static final long FLUSH_INTERVAL_MS = 500;

    private final SnapshotStore store;
    private final Map<String, String> stored = new LinkedHashMap<>();
    private final Set<String> removed = new HashSet<>();
    private long firstPendingAt = -1;

    SnapshotBuffer(SnapshotStore store) {
        this.store = store;
    }

    void put(Path relative, FileState state) {
        put(SnapshotPaths.encode(relative), state.encode());
    }

    void put(String key, String version) {
        removed.remove(key);
        stored.put(key, version);
        touched();
    }

    void remove(Path relative) {
        String key = SnapshotPaths.encode(relative);
        stored.remove(key);
        removed.add(key);
        touched();
    }

    /** The deadline of the next flush in monotonic milliseconds, or Long.MAX_VALUE when nothing waits. */
    long dueAt() {
        return firstPendingAt < 0 ? Long.MAX_VALUE : firstPendingAt + FLUSH_INTERVAL_MS;
    }

    void flushIfDue(long now) {
        if (stored.size() + removed.size() >= MAX_PENDING || now >= dueAt()) {
            flush();
        }
    }

    /** Writes what is pending; returns false (and keeps it) when the store failed. */
    boolean flush() {
        if (stored.isEmpty() && removed.isEmpty()) {
            return true;
        }
        try {
            store.write(new LinkedHashMap<>(stored), new HashSet<>(removed));
            stored.clear();
            removed.clear();
            firstPendingAt = -1;
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Could not save the watch snapshot ({}), will retry: {}", store, e.getMessage());
            firstPendingAt = Watches.now();
            return false;
        }
    }

    private void touched() {
        if (firstPendingAt < 0) {
            firstPendingAt = Watches.now();
        }
    }
}
