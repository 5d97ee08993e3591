package io.filesync.sync;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import io.filesync.core.db.DataSources;
import io.filesync.core.db.ManagedTable;
import io.filesync.core.db.Transactions;

/**
 * The client's copy of the chunk lists the server holds for its larger files, table {@value #TABLE}, one row per
 * path. With it the client describes a new version as a {@link ManifestDelta} against the old one without asking
 * the server for the old list: the server's answer to a small edit is then a few bytes (which chunks it lacks), not
 * 36 bytes per chunk of the whole file. A list is kept only for files of more than a few chunks, where a delta pays;
 * a row that is stale or gone only costs a full chunk list once.
 */
final class ManifestCache {

    static final String TABLE = "sync_client_manifests";
    /** Files of fewer chunks send their full list: it is as short as a delta. */
    static final int MIN_CHUNKS = 16;

    private final DataSource dataSource;
    private final String key;
    private final ManagedTable table = new ManagedTable(TABLE, sql -> "cache_key VARCHAR(255) NOT NULL, "
            + "path VARCHAR(2000) NOT NULL, "
            + "hash VARCHAR(64) NOT NULL, "
            + "manifest " + sql.textType() + " NOT NULL, "
            + "PRIMARY KEY (cache_key, path)");

    ManifestCache(DataSource dataSource, String key) {
        this.dataSource = dataSource;
        this.key = key;
    }

    /** The chunk list of the content with this hash at this path, or null. */
    Manifest get(String path, String hash) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(table.sql(connection,
                     "SELECT manifest FROM %s WHERE cache_key = ? AND path = ? AND hash = ?"))) {
            query.setString(1, key);
            query.setString(2, path);
            query.setString(3, hash);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    return null;
                }
                byte[] bytes = Base64.getDecoder().decode(rows.getString(1));
                return Manifest.decode(new ByteArrayInputStream(bytes), Integer.MAX_VALUE, Integer.MAX_VALUE);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Table " + TABLE + " is not reachable: " + e.getMessage(), e);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Remembers the lists of contents now held by the server at these paths (small ones are not kept). */
    void putAll(Map<String, Manifest> byPath) {
        Map<String, Manifest> kept = new java.util.LinkedHashMap<>();
        byPath.forEach((path, manifest) -> {
            if (manifest.chunks().size() > MIN_CHUNKS) {
                kept.put(path, manifest);
            }
        });
        write(kept, byPath.keySet());
    }

    /** Forgets the lists of paths deleted on the server. */
    void forget(Collection<String> paths) {
        write(Map.of(), paths);
    }

    private void write(Map<String, Manifest> stored, Collection<String> removed) {
        if (stored.isEmpty() && removed.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
             DataSources.WriteLock lock = DataSources.writeLock(dataSource, connection)) {
            Transactions.inTransaction(connection, tx -> {
                batch(tx, "DELETE FROM %s WHERE cache_key = ? AND path = ?",
                        removed.stream().map(path -> new String[] {key, path}).toList());
                batch(tx, "INSERT INTO %s (cache_key, path, hash, manifest) VALUES (?, ?, ?, ?)",
                        stored.entrySet().stream().map(e -> new String[] {key, e.getKey(), e.getValue().hex(),
                                Base64.getEncoder().encodeToString(e.getValue().encode())}).toList());
                return null;
            });
        } catch (SQLException e) {
            throw new IllegalStateException("Table " + TABLE + " is not reachable: " + e.getMessage(), e);
        }
    }

    private void batch(Connection connection, String template, List<String[]> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement statement = connection.prepareStatement(table.sql(connection, template))) {
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    statement.setString(i + 1, row[i]);
                }
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }
}
