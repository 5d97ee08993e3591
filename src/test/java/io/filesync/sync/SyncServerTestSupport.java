package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /** Sends these chunks of the content in one batch, in the order given; the server takes every one. */
    void uploadBatch(Manifest manifest, byte[] content, List<Integer> indexes) throws IOException {
        List<byte[]> chunks = new ArrayList<>();
        for (int index : indexes) {
            Manifest.Chunk chunk = manifest.chunks().get(index);
            chunks.add(Arrays.copyOfRange(content, (int) chunk.offset(), (int) chunk.offset() + chunk.length()));
        }
        assertThat(server.chunks("c", SyncChunkBatchTest.batch(chunks))).isEqualTo(indexes.size());
    }
}
