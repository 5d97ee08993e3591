package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync server's root holds even against a folder swapped for a link after a path was checked. */
class SyncServerConfinementTest {

    @TempDir
    Path work;

    @Test
    void aFolderSwappedForALinkOutBetweenTheCheckAndTheRenameIsRefusedAndNothingLandsOutside() throws IOException {
        try (SyncServerFixture fixture = new SyncServerFixture(work)) {
            swapAfterTheCheck(fixture.server, fixture.store);
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

    @Test
    void deletesMovesAndFoldersGoThroughHandlesAndNeverReachWhatALinkInTheTreeLeadsTo() throws IOException {
        Path outside = Files.createDirectories(work.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        try (SyncServerFixture fixture = new SyncServerFixture(work)) {
            SyncServer server = fixture.server;
            Path root = work.resolve("root");
            server.tree().mkdirs("c", List.of("a/b/c", "a/d"));
            Files.createSymbolicLink(root.resolve("a/b/out"), outside);
            assertThat(server.list().stream().map(SyncServer.Entry::path))
                    .containsExactly("a", "a/b", "a/b/c", "a/d");

            assertThat(server.tree().move("c", "a/b", "e/f/b")).isTrue();
            assertThat(root.resolve("e/f/b/c")).isDirectory();
            assertThat(root.resolve("e/f/b/out")).isSymbolicLink();
            assertThatThrownBy(() -> server.tree().mkdir("c", "e/f/b/out/x"))
                    .isInstanceOf(BadInputException.class).hasMessageContaining("outside");

            server.tree().delete("c", "e");
            assertThat(root.resolve("e")).doesNotExist();
            assertThat(outside.resolve("keep.txt")).hasContent("keep");
            try (var entries = Files.list(root)) {
                assertThat(entries.map(path -> path.getFileName().toString())).containsExactly("a");
            }
        }
    }

    @Test
    void aFolderLeftUnbornByACrashIsNeitherListedNorKept() throws IOException {
        Path root = Files.createDirectories(work.resolve("root"));
        Files.createDirectories(root.resolve(io.filesync.core.ConfinedFolders.NEW_FOLDER_PREFIX + "crashed"));
        try (SyncServerFixture fixture = new SyncServerFixture(work)) {
            assertThat(fixture.server.list()).isEmpty();
        }
        try (var entries = Files.list(root)) {
            assertThat(entries).isEmpty();
        }
    }
}
