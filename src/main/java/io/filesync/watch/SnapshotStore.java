package io.filesync.watch;

import java.util.Collection;
import java.util.Map;

/**
 * Where a {@link TreeWatcher} keeps its snapshot of the tree between runs, so changes made while it was stopped are
 * reported on the next start. Keys are paths relative to the watched root (see {@link SnapshotPaths}), values are
 * opaque version strings. The watcher batches its writes.
 */
public interface SnapshotStore {

    /** Everything stored for this target; empty when nothing was ever stored. */
    Map<String, String> load();

    /** Applies one batch of changes, atomically where the store can. */
    void write(Map<String, String> stored, Collection<String> removed);

    /** A store that keeps nothing: every start takes a fresh baseline and reports no offline changes. */
    static SnapshotStore none() {
        return new SnapshotStore() {
            @Override
            public Map<String, String> load() {
                return Map.of();
            }

            @Override
            public void write(Map<String, String> stored, Collection<String> removed) {
                // nothing kept by design
            }

            @Override
            public String toString() {
                return "no persisted snapshot";
            }
        };
    }
}
