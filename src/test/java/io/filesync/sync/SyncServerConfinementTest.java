package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.filesync.core.db.DataSources;
import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync server's root holds even against a folder swapped for a link after a path was checked. */
class SyncServerConfinementTest {

    @TempDir
    Path work;

    @Test
    void aFolderSwappedForALinkOutBetweenTheCheckAndTheRenameIsRefusedAndNothingLandsOutside() throws IOException {
        try (HikariDataSource db = DataSources.pooled("jdbc:sqlite:" + work.resolve("server.db"), null, null, 2);
             ChunkStore store = new ChunkStore(work.resolve("store"), Chunker.DEFAULT_MAX, 1 << 20, 1 << 20, 0, false)) {
            swapAfterTheCheck(new SyncServer(work.resolve("root"), store, db, 1L << 30, false, null), store);
        }
    }

    private void swapAfterTheCheck(SyncServer server, ChunkStore store) throws IOException {
        byte[] content = SyncChunkerTest.random(300_000, 5);
        Manifest manifest = new Chunker().chunk(content);
        List<Integer> missing = server.missing("c", List.of(manifest.encode())).get(0);
        for (int index : missing) {
            Manifest.Chunk chunk = manifest.chunks().get(index);
            server.chunk("c", chunk.hex(), java.util.Arrays.copyOfRange(content, (int) chunk.offset(),
                    (int) chunk.offset() + chunk.length()));
        }
        server.tree().mkdir("c", "a/b");
        Path target = server.tree().fileTarget("a/b/file.bin");
        Path outside = Files.createDirectories(work.resolve("outside"));

        // The check is done; now the folder on the way becomes a link leading out of the root.
        Files.move(work.resolve("root/a/b"), work.resolve("root/a/b-was"));
        Files.createSymbolicLink(work.resolve("root/a/b"), outside);
        FileAssembler assembler = new FileAssembler(store, work.resolve("root").toRealPath(), false);

        try (FileAssembler.Batch batch = assembler.batch()) {
            assertThatThrownBy(() -> assembler.assemble(target, manifest, batch))
                    .isInstanceOf(BadInputException.class).hasMessageContaining("changed");
        }
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
        try (var files = Files.list(work.resolve("root/a/b-was"))) {
            assertThat(files).isEmpty();
        }
    }
}
