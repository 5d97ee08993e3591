package io.filesync.watch;

import java.util.Collection;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.FileVersionRepository;

/**
 * Keeps a watcher's snapshot in the shared file state table ({@link FileVersionRepository#TABLE}), one row per path
 * under the watcher's state key, so it lives in the same database as every other job's state and a restarted or
 * second instance sees the same snapshot.
 */
public final class DatabaseSnapshotStore implements SnapshotStore {

    private final FileVersionRepository repository;

    public DatabaseSnapshotStore(FileVersionRepository repository) {
        this.repository = repository;
    }

    /**
     * @param dataSource the shared database
     * @param stateKey   names the watched target; watchers sharing a database need different keys
     */
    public DatabaseSnapshotStore(DataSource dataSource, String stateKey) {
        this(new FileVersionRepository(dataSource, stateKey));
    }

    @Override
    public Map<String, String> load() {
        return repository.snapshot();
    }

    @Override
    public void write(Map<String, String> stored, Collection<String> removed) {
        repository.writeBatch(stored, removed);
    }

    @Override
    public String toString() {
        return "snapshot in table " + FileVersionRepository.TABLE + " under key '" + repository.stateKey() + "'";
    }
}
