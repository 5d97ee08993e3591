package io.filesync.core.db;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Builds the one pooled DataSource every job shares, from a JDBC URL and credentials alone, so switching from the
 * embedded SQLite file to PostgreSQL (or any JDBC database whose driver is on the classpath) is configuration only.
 */
public final class DataSources {

    private static final String SQLITE_PREFIX = "jdbc:sqlite:";

    /** How long a SQLite connection waits for another writer before failing, in milliseconds. */
    static final int SQLITE_BUSY_TIMEOUT_MS = 30_000;

    private DataSources() {
    }

    /**
     * Creates a pool. The pool starts even when the database is unreachable, so filesync can start during an outage
     * and catch up once the database is back; every use reports the outage through the shared error path instead.
     *
     * @param jdbcUrl         e.g. {@code jdbc:sqlite:data/filesync.db} or {@code jdbc:postgresql://host/db}
     * @param username        may be null or blank for databases without authentication
     * @param password        may be null or blank; never logged
     * @param maximumPoolSize upper bound on open connections
     */
    public static HikariDataSource pooled(String jdbcUrl, String username, String password, int maximumPoolSize) {
        checkUrl(jdbcUrl);
        HikariConfig config = new HikariConfig();
        config.setPoolName("filesync-db");
        config.setJdbcUrl(jdbcUrl.strip());
        if (username != null && !username.isBlank()) {
            config.setUsername(username);
        }
        if (password != null && !password.isEmpty()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(Math.max(1, maximumPoolSize));
        config.setMinimumIdle(1);
        config.setInitializationFailTimeout(-1);
        // Hikari's no-argument constructor opens the pool on the first getConnection(), not here: a host runtime that
        // loads the routes without enabling a job gets no connection, and no SQLite file in its working directory.
        HikariDataSource pool;
        if (isSqlite(jdbcUrl)) {
            prepareSqlite(config);
            pool = new SqlitePool(sqliteFile(jdbcUrl), jdbcUrl.strip());
        } else {
            if (jdbcUrl.strip().startsWith("jdbc:postgresql:")) {
                // Sends a JDBC batch of inserts as multi-row INSERTs: several times the throughput of row-by-row.
                config.addDataSourceProperty("reWriteBatchedInserts", "true");
            }
            pool = new HikariDataSource();
        }
        config.copyStateTo(pool);
        return pool;
    }

    /**
     * Fails unless a pool on this URL could open: a driver accepts it and, for SQLite, the file's folder can exist.
     * Nothing is written.
     */
    static void checkUrl(String jdbcUrl) {
        if (jdbcUrl == null || jdbcUrl.isBlank()) {
            throw new IllegalArgumentException("filesync.db.url is empty: give a JDBC URL such as jdbc:sqlite:data/filesync.db");
        }
        requireDriverFor(jdbcUrl.strip());
        if (isSqlite(jdbcUrl)) {
            refuseUnusableFolder(sqliteFile(jdbcUrl), jdbcUrl.strip());
        }
    }

    /**
     * Fails with the URL in the message: the driver's own "No suitable driver" names neither, and the pool masks the
     * URL it reports. The URL lets the start-up message name the setting it came from (its password masked there).
     */
    private static void requireDriverFor(String jdbcUrl) {
        try {
            DriverManager.getDriver(jdbcUrl);
        } catch (SQLException e) {
            throw new IllegalArgumentException("No JDBC driver accepts " + jdbcUrl + " (filesync ships the drivers"
                    + " for jdbc:sqlite: and jdbc:postgresql:; another database needs its driver on the classpath)");
        }
    }

    /** Held while writing; see {@link #writeLock(DataSource, Connection)}. */
    public interface WriteLock extends AutoCloseable {
        @Override
        void close();
    }

    private static final Map<DataSource, ReentrantLock> SQLITE_WRITERS = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Serialises writers of one SQLite database inside this JVM. SQLite admits one writer at a time anyway, and its
     * busy handler waits by sleeping in steps of up to 100 ms, so writers queueing here instead go several times
     * faster. For every other database this is a no-op: their writers run concurrently.
     */
    public static WriteLock writeLock(DataSource dataSource, Connection connection) throws SQLException {
        if (!connection.getMetaData().getURL().startsWith(SQLITE_PREFIX)) {
            return () -> { };
        }
        ReentrantLock lock = SQLITE_WRITERS.computeIfAbsent(dataSource, key -> new ReentrantLock(true));
        lock.lock();
        return lock::unlock;
    }

    public static boolean isSqlite(String jdbcUrl) {
        return jdbcUrl.strip().toLowerCase(Locale.ROOT).startsWith(SQLITE_PREFIX);
    }

    /**
     * The SQLite file, or null for an in-memory database. Accepts both {@code jdbc:sqlite:path} and
     * {@code jdbc:sqlite:file:path?options}.
     */
    static Path sqliteFile(String jdbcUrl) {
        String rest = jdbcUrl.strip().substring(SQLITE_PREFIX.length());
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query);
        }
        if (rest.isEmpty() || rest.equals(":memory:") || rest.contains("mode=memory")) {
            return null;
        }
        return Path.of(rest);
    }

    /**
     * WAL mode so that readers keep seeing the previous table while a load swaps a new one in. Writers queue on the
     * busy timeout instead of failing at once.
     */
    private static void prepareSqlite(HikariConfig config) {
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("busy_timeout", String.valueOf(SQLITE_BUSY_TIMEOUT_MS));
        config.addDataSourceProperty("foreign_keys", "true");
    }

    /**
     * Fails at start, writing nothing, when the SQLite file's folder can never be created: a file stands where a
     * folder of its path should be. The pool itself would report it only at the first use.
     */
    private static void refuseUnusableFolder(Path file, String jdbcUrl) {
        if (file == null) {
            return;
        }
        for (Path folder = file.toAbsolutePath().getParent(); folder != null; folder = folder.getParent()) {
            if (Files.isDirectory(folder)) {
                return;
            }
            if (Files.exists(folder)) {
                throw new UncheckedIOException("Cannot create the folder of the SQLite database of " + jdbcUrl,
                        new java.nio.file.FileAlreadyExistsException(folder.toString()));
            }
        }
    }

    /** SQLite needs its file's folder to exist; it is created with the first connection, not with the pool. */
    private static final class SqlitePool extends HikariDataSource {

        private final Path file;
        private final String jdbcUrl;
        private volatile boolean folderReady;

        SqlitePool(Path file, String jdbcUrl) {
            this.file = file;
            this.jdbcUrl = jdbcUrl;
        }

        @Override
        public Connection getConnection() throws SQLException {
            if (!folderReady) {
                createFolder();
            }
            return super.getConnection();
        }

        private void createFolder() {
            if (file != null && file.toAbsolutePath().getParent() != null) {
                try {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot create the folder of the SQLite database of " + jdbcUrl, e);
                }
            }
            folderReady = true;
        }
    }
}
