package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folder handles kept for a batch: shared, and never through a link. */
class ConfinedFoldersTest {

    @TempDir
    Path work;

    @Test
    void aFolderIsOpenedOnceABatchAndLevelsOnTheWayThatAreLinksAreRefused() throws Exception {
        Path root = Files.createDirectories(work.resolve("root")).toRealPath();
        Files.createDirectories(root.resolve("a/b"));
        Path outside = Files.createDirectories(work.resolve("outside"));
        Files.createSymbolicLink(root.resolve("a/out"), outside);
        try (ConfinedFolders folders = new ConfinedFolders(root)) {
            ConfinedFolder b = folders.folder(root.resolve("a/b"));
            assertThat(folders.folder(root.resolve("a/b"))).isSameAs(b);
            b.newByteChannel("f", EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)).close();
            assertThat(root.resolve("a/b/f")).exists();

            assertThatThrownBy(() -> folders.folder(root.resolve("a/out")))
                    .isInstanceOf(ConfinedFolder.FolderChangedException.class);
            assertThatThrownBy(() -> folders.folder(work.resolve("outside")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
    }
}
