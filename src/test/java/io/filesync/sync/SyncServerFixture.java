package io.filesync.sync;

import java.io.IOException;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;

/** A sync server as a plain class on a real SQLite file and a real chunk store under {@code work}; closed after use. */
final class SyncServerFixture implements AutoCloseable {

    final HikariDataSource dataSource;
    final ChunkStore store;
    final SyncServer server;

    SyncServerFixture(Path work) throws IOException {
        dataSource = DataSources.pooled("jdbc:sqlite:" + work.resolve("server.db"), null, null, 2);
        store = new ChunkStore(work.resolve("store"), Chunker.DEFAULT_MAX, 1 << 20, 1 << 20, 0, false, true);
        server = new SyncServer(work.resolve("root"), store, dataSource, 1L << 30, false, null);
    }

    @Override
    public void close() throws IOException {
        store.close();
        dataSource.close();
    }
}
