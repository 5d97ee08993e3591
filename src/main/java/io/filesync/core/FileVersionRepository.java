package io.filesync.core;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.db.SqlDialect;
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

    private final DataSource dataSource;
    private final String stateKey;
    /** Last known version per path, least recently used first; only ever holds what the table holds too. */
    private final Map<String, String> knownVersions = new LinkedHashMap<>(1024, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    private volatile SqlDialect dialect;

    /**
     * @param dataSource the shared database
     * @param stateKey   names the source; sources sharing a database must use different keys
     */
    public FileVersionRepository(DataSource dataSource, String stateKey) {
        if (stateKey == null || stateKey.isBlank()) {
            throw new IllegalArgumentException("A file source needs a non-empty stateKey");
        }
        this.dataSource = dataSource;
        this.stateKey = stateKey;
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
        Map<String, String> versions = new LinkedHashMap<>();
        withConnection(connection -> {
            try (PreparedStatement query = connection.prepareStatement(
                    sql(connection, "SELECT path, version FROM %s WHERE state_key = ? ORDER BY path"))) {
                query.setString(1, stateKey);
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

    /** Forgets a file, e.g. after its deletion was mirrored. */
    public void forget(String relativePath) {
        evictPath(relativePath);
        update("DELETE FROM %s WHERE state_key = ? AND path = ?", stateKey, relativePath);
    }

    /** Carries the stored version of a file over to its new path after a rename was mirrored. */
    public void rename(String fromPath, String toPath) {
        evictPath(fromPath);
        evictPath(toPath);
        withConnection(connection -> {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                execute(connection, "DELETE FROM %s WHERE state_key = ? AND path = ?", stateKey, toPath);
                execute(connection, "UPDATE %s SET path = ? WHERE state_key = ? AND path = ?", toPath, stateKey, fromPath);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
            return null;
        });
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
            String now = Instant.now().toString();
            if (dialect.kind() == SqlDialect.Kind.GENERIC) {
                if (execute(connection, "UPDATE %s SET version = ?, updated_at = ? WHERE state_key = ? AND path = ?",
                        version, now, stateKey, path) == 0) {
                    execute(connection, "INSERT INTO %s (state_key, path, version, updated_at) VALUES (?, ?, ?, ?)",
                            stateKey, path, version, now);
                }
            } else {
                // Both SQLite and PostgreSQL take the standard upsert, atomic even with several instances.
                execute(connection, "INSERT INTO %s (state_key, path, version, updated_at) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (state_key, path) DO UPDATE SET version = excluded.version,"
                        + " updated_at = excluded.updated_at", stateKey, path, version, now);
            }
            return null;
        });
    }

    private int update(String template, String... arguments) {
        return withConnection(connection -> execute(connection, template, arguments));
    }

    private int execute(Connection connection, String template, String... arguments) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql(connection, template))) {
            for (int i = 0; i < arguments.length; i++) {
                statement.setString(i + 1, arguments[i]);
            }
            return statement.executeUpdate();
        }
    }

    private String sql(Connection connection, String template) throws SQLException {
        return String.format(template, dialectOf(connection).quote(TABLE));
    }

    private SqlDialect dialectOf(Connection connection) throws SQLException {
        SqlDialect known = dialect;
        if (known != null) {
            return known;
        }
        SqlDialect sql = SqlDialect.of(connection);
        try (Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS " + sql.quote(TABLE) + " ("
                    + "state_key VARCHAR(255) NOT NULL, "
                    + "path VARCHAR(2000) NOT NULL, "
                    + "version VARCHAR(64) NOT NULL, "
                    + "updated_at VARCHAR(40) NOT NULL, "
                    + "PRIMARY KEY (state_key, path))");
        }
        dialect = sql;
        return sql;
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
            dialectOf(connection);
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
