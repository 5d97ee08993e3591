package io.filesync.core;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.Transactions;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * Remembers, per source and per file, which version of the file was last handled successfully: one row per file in
 * table {@value #TABLE}, so the table stays as large as the watched tree however often files change.
 * <p>
 * It plugs into camel-file as its idempotent repository. Keys have the form {@code path|size|modified} (see
 * {@link #key(String, long, long)}): a key is "contained" when the stored version of that path equals it, so a new
 * version of a file is emitted once and the old one is forgotten. With {@code idempotentEager=false} a version is
 * stored only after the exchange succeeded; a failed one is removed only if it is still the stored version, so a
 * failure never erases what was known about the previous good version.
 * <p>
 * The same table is the persisted snapshot jobs compare against on start (files that vanished while filesync was
 * stopped are the stored paths with no file left), and it is shared by every instance using the database.
 */
public final class FileVersionRepository extends ServiceSupport implements IdempotentRepository {

    public static final String TABLE = "filesync_file_state";

    /** Versions remembered in memory, so a scan of a large unchanged tree does not query once per file. */
    private static final int CACHE_ENTRIES = 100_000;

    // Set once: by the constructor, or by name (a Kamelet bean) before the repository is initialised.
    private DataSource dataSource;
    private String stateKey;
    /** Last known version per path, least recently used first; only ever holds what the table holds too. */
    private final Map<String, String> knownVersions = new LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "state_key VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "version " + sql.textType() + " NOT NULL, "
            + "updated_at VARCHAR(40) NOT NULL, "
            + "PRIMARY KEY (state_key, path)").widening("version");

    /**
     * @param dataSource the shared database
     * @param stateKey   names the source; sources sharing a database must use different keys
     */
    public FileVersionRepository(DataSource dataSource, String stateKey) {
        this.dataSource = dataSource;
        this.stateKey = stateKey;
        checkSettings();
    }

    /** For a bean declared by named properties (dataSource, stateKey); they are checked by {@link #init()}. */
    public FileVersionRepository() {
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setStateKey(String stateKey) {
        this.stateKey = stateKey;
    }

    @Override
    protected void doInit() {
        checkSettings();
    }

    private void checkSettings() {
        if (stateKey == null || stateKey.isBlank()) {
            throw new IllegalArgumentException("A file source needs a non-empty stateKey");
        }
        if (dataSource == null) {
            throw new IllegalArgumentException("A file source needs a dataSource");
        }
    }

    /** The idempotent key of one version of a file: its path relative to the source folder, size and mtime. */
    public static String key(String relativePath, long size, long modifiedMillis) {
        return relativePath + '|' + size + '|' + modifiedMillis;
    }

    /** Splits a key into path and version; the path may itself contain '|', the version never does. */
    static String[] split(String key) {
        int modified = key.lastIndexOf('|');
        int size = modified <= 0 ? -1 : key.lastIndexOf('|', modified - 1);
        if (size <= 0) {
            throw new IllegalArgumentException("Not a file version key (path|size|modified): " + key);
        }
        return new String[] {key.substring(0, size), key.substring(size + 1)};
    }

    public String stateKey() {
        return stateKey;
    }

    @Override
    public boolean contains(String key) {
        String[] parts = split(key);
        if (parts[1].equals(cached(parts[0]))) {
            return true;
        }
        boolean contained = parts[1].equals(versionOf(parts[0]));
        if (contained) {
            remember(parts[0], parts[1]);
        }
        return contained;
    }

    @Override
    public boolean add(String key) {
        String[] parts = split(key);
        boolean changed = !parts[1].equals(versionOf(parts[0]));
        if (changed) {
            store(parts[0], parts[1]);
        }
        remember(parts[0], parts[1]);
        return changed;
    }

    @Override
    public boolean remove(String key) {
        String[] parts = split(key);
        synchronized (knownVersions) {
            knownVersions.remove(parts[0], parts[1]);
        }
        return update("DELETE FROM %s WHERE state_key = ? AND path = ? AND version = ?", stateKey, parts[0], parts[1]) > 0;
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public void clear() {
        synchronized (knownVersions) {
            knownVersions.clear();
        }
        update("DELETE FROM %s WHERE state_key = ?", stateKey);
    }

    /** Every file this source handled, by relative path, with its version ({@code size|modified}). */
    public Map<String, String> snapshot() {
        return snapshot("");
    }

    /**
     * Every stored path starting with {@code prefix} (plain string prefix; an empty prefix gives the whole snapshot),
     * with its version, in path order.
     */
    public Map<String, String> snapshot(String prefix) {
        boolean all = prefix == null || prefix.isEmpty();
        Map<String, String> versions = new LinkedHashMap<>();
        withConnection(connection -> {
            // SUBSTR rather than LIKE: SQLite's LIKE ignores case, and a prefix may contain % or _.
            String where = all ? "" : " AND SUBSTR(path, 1, ?) = ?";
            try (PreparedStatement query = connection.prepareStatement(sql(connection,
                    "SELECT path, version FROM %s WHERE state_key = ?" + where + " ORDER BY path"))) {
                query.setString(1, stateKey);
                if (!all) {
                    query.setInt(2, prefix.codePointCount(0, prefix.length()));
                    query.setString(3, prefix);
                }
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        versions.put(rows.getString(1), rows.getString(2));
                    }
                }
            }
            return null;
        });
        return versions;
    }

    /** The stored version of one path, or null: an exact, indexed lookup (a prefix {@link #snapshot(String)} scans). */
    public String version(String path) {
        String cached = cached(path);
        if (cached != null) {
            return cached;
        }
        String stored = versionOf(path);
        if (stored != null) {
            remember(path, stored);
        }
        return stored;
    }

    /** Stores one version for a path, replacing whatever was stored; the version is opaque to this class. */
    public void put(String path, String version) {
        evictPath(path);
        store(path, version);
    }

    /**
     * Applies many changes in one transaction and one JDBC batch per kind, so a burst of 20,000 changed files costs
     * one commit instead of 20,000. Removals are applied before the stores, so a path in both ends up stored.
     *
     * @param stored    path to its new version
     * @param forgotten paths to delete
     */
    public void writeBatch(Map<String, String> stored, Collection<String> forgotten) {
        if (stored.isEmpty() && forgotten.isEmpty()) {
            return;
        }
        withConnection(connection -> Transactions.inTransaction(connection, tx -> {
            writeBatch(tx, stored, forgotten);
            return null;
        }));
    }

    /**
     * {@link #writeBatch(Map, Collection)} inside the caller's transaction, so a job can commit its own rows and the
     * file state together (the mirror: queue, audit and what the remote holds, in one commit per batch).
     */
    public void writeBatch(Connection connection, Map<String, String> stored, Collection<String> forgotten) throws SQLException {
        if (stored.isEmpty() && forgotten.isEmpty()) {
            return;
        }
        synchronized (knownVersions) {
            knownVersions.keySet().removeAll(forgotten);
            knownVersions.keySet().removeAll(stored.keySet());
        }
        String now = Instant.now().toString();
        batch(connection, "DELETE FROM %s WHERE state_key = ? AND path = ?",
                forgotten.stream().map(path -> new String[] {stateKey, path}).toList());
        batch(connection, "DELETE FROM %s WHERE state_key = ? AND path = ?",
                stored.keySet().stream().map(path -> new String[] {stateKey, path}).toList());
        batch(connection, "INSERT INTO %s (state_key, path, version, updated_at) VALUES (?, ?, ?, ?)",
                stored.entrySet().stream().map(e -> new String[] {stateKey, e.getKey(), e.getValue(), now}).toList());
    }

    private void batch(Connection connection, String template, List<String[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(sql(connection, template))) {
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    statement.setString(i + 1, row[i]);
                }
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    /** Forgets a file, e.g. after its deletion was mirrored. */
    public void forget(String relativePath) {
        evictPath(relativePath);
        update("DELETE FROM %s WHERE state_key = ? AND path = ?", stateKey, relativePath);
    }

    /** Carries the stored version of a file over to its new path after a rename was mirrored. */
    public void rename(String fromPath, String toPath) {
        evictPath(fromPath);
        evictPath(toPath);
        withConnection(connection -> Transactions.inTransaction(connection, tx -> {
            execute(tx, "DELETE FROM %s WHERE state_key = ? AND path = ?", stateKey, toPath);
            execute(tx, "UPDATE %s SET path = ? WHERE state_key = ? AND path = ?", toPath, stateKey, fromPath);
            return null;
        }));
    }

    private String versionOf(String path) {
        return withConnection(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    sql(connection, "SELECT version FROM %s WHERE state_key = ? AND path = ?"))) {
                query.setString(1, stateKey);
                query.setString(2, path);
                try (ResultSet rows = query.executeQuery()) {
                    return rows.next() ? rows.getString(1) : null;
                }
            }
        });
    }

    private void store(String path, String version) {
        withConnection(connection -> {
            table.upsert(connection, List.of("state_key", "path"), List.of("version", "updated_at"),
                    new Object[] {stateKey, path}, new Object[] {version, Instant.now().toString()});
            return null;
        });
    }

    private int update(String template, String... arguments) {
        return withConnection(connection -> execute(connection, template, arguments));
    }

    private int execute(Connection connection, String template, String... arguments) throws SQLException {
        return ManagedTable.execute(connection, table.sql(connection, template), (Object[]) arguments);
    }

    private String sql(Connection connection, String template) throws SQLException {
        return table.sql(connection, template);
    }

    private String cached(String path) {
        synchronized (knownVersions) {
            return knownVersions.get(path);
        }
    }

    private void remember(String path, String version) {
        synchronized (knownVersions) {
            knownVersions.put(path, version);
        }
    }

    private void evictPath(String path) {
        synchronized (knownVersions) {
            knownVersions.remove(path);
        }
    }

    private <T> T withConnection(SqlWork<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw new IllegalStateException("File state table " + TABLE + " is not reachable: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
