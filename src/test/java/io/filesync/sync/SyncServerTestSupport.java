package io.filesync.sync;

import java.io.IOException;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh {@link SyncServerFixture} per test, under its own temporary folder, for tests of the server as a class. */
abstract class SyncServerTestSupport {

    @TempDir
    Path work;
    SyncServerFixture fixture;
    HikariDataSource dataSource;
    ChunkStore store;
    SyncServer server;
    final Chunker chunker = new Chunker();

    @BeforeEach
    void startServer() throws IOException {
        fixture = new SyncServerFixture(work);
        dataSource = fixture.dataSource;
        store = fixture.store;
        server = fixture.server;
    }

    @AfterEach
    void stopServer() throws IOException {
        fixture.close();
    }
}
