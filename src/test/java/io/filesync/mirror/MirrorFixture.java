package io.filesync.mirror;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;

/** A SQLite database, a local root and engines over them, for the mirror's tests. */
final class MirrorFixture implements AutoCloseable {

    final Path root;
    final HikariDataSource db;
    private final List<ExecutorService> executors = new ArrayList<>();
    private final List<MirrorEngine> engines = new ArrayList<>();

    MirrorFixture(Path dir) throws IOException {
        this.root = Files.createDirectories(dir.resolve("root"));
        this.db = DataSources.pooled("jdbc:sqlite:" + dir.resolve("mirror.db"), null, null, 4);
    }

    MirrorEngine start(String name, boolean completeSync, Remote remote) {
        return start(create(name, completeSync, remote));
    }

    /** An engine that records changes but runs nothing until {@link #start(MirrorEngine)}. */
    MirrorEngine create(String name, boolean completeSync, Remote remote) {
        return create(name, completeSync, false, remote);
    }

    /** With dry run: deletions on the remote only audited. */
    MirrorEngine create(String name, boolean completeSync, boolean dryRun, Remote remote) {
        return new MirrorEngine(new MirrorMapping(name, root, completeSync, 50, 400, 4, MirrorMapping.DEFAULT_MOVE_WINDOW, dryRun),
                remote, db, null);
    }

    MirrorEngine start(MirrorEngine engine) {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        ExecutorService workers = Executors.newFixedThreadPool(engine.concurrency());
        executors.add(executor);
        executors.add(workers);
        engines.add(engine);
        engine.start(executor, workers);
        return engine;
    }

    void stop(MirrorEngine engine) {
        engine.stop();
        engines.remove(engine);
    }

    /** A port nothing listens on right now, for a server a test stops and starts again on the same address. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Actions still queued in a bundle's SQLite file: the route tests run the real bundle, not this fixture. */
    static int pendingActions(Path databaseFile) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + databaseFile);
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + ActionQueue.TABLE)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** The audit of one path in a bundle's SQLite file, oldest first, each row as "EVENT detail". */
    static List<String> auditRows(Path databaseFile, String mapping, String path) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + databaseFile);
             PreparedStatement query = connection.prepareStatement("SELECT event, detail FROM " + MirrorAudit.TABLE
                     + " WHERE mapping = ? AND path = ? ORDER BY id")) {
            query.setString(1, mapping);
            query.setString(2, path);
            List<String> rows = new ArrayList<>();
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1) + " " + result.getString(2));
                }
            }
            return rows;
        }
    }

    /** How many audit rows a mapping has in a bundle's SQLite file. */
    static int auditCount(Path databaseFile, String mapping) throws SQLException {
        try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + databaseFile);
             PreparedStatement query = connection.prepareStatement("SELECT COUNT(*) FROM " + MirrorAudit.TABLE + " WHERE mapping = ?")) {
            query.setString(1, mapping);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }

    Path write(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    /** How many audit rows of a mapping have this event. */
    int auditCount(String mapping, String event) throws SQLException {
        try (Connection connection = db.getConnection();
             PreparedStatement query = connection.prepareStatement("SELECT COUNT(*) FROM " + MirrorAudit.TABLE
                     + " WHERE mapping = ? AND event = ?")) {
            query.setString(1, mapping);
            query.setString(2, event);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }

    /** The audit events of one path, oldest first, as "EVENT detail". */
    List<String> audit(String mapping, String path) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection connection = db.getConnection();
             PreparedStatement query = connection.prepareStatement("SELECT event, detail FROM " + MirrorAudit.TABLE
                     + " WHERE mapping = ? AND path = ? ORDER BY id")) {
            query.setString(1, mapping);
            query.setString(2, path);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1) + " " + result.getString(2));
                }
            }
        }
        return rows;
    }

    /** Every audit row of a mapping, as text, to check that no secret ever lands there. */
    String allAudit(String mapping) throws SQLException {
        StringBuilder all = new StringBuilder();
        try (Connection connection = db.getConnection();
             PreparedStatement query = connection.prepareStatement("SELECT * FROM " + MirrorAudit.TABLE + " WHERE mapping = ?")) {
            query.setString(1, mapping);
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                        all.append(result.getString(i)).append(' ');
                    }
                    all.append('\n');
                }
            }
        }
        return all.toString();
    }

    @Override
    public void close() {
        for (MirrorEngine engine : engines) {
            engine.stop();
        }
        executors.forEach(ExecutorService::shutdownNow);
        db.close();
    }
}
