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

    @Test
    void missingLevelsAreCreatedThroughHandlesAndNoNewbornIsLeftInTheRoot() throws Exception {
        Path root = Files.createDirectories(work.resolve("root")).toRealPath();
        Files.createDirectories(root.resolve("a"));
        Files.writeString(root.resolve("a/kept.txt"), "kept");
        try (ConfinedFolders folders = new ConfinedFolders(root)) {
            ConfinedFolder c = folders.folderCreating(root.resolve("a/b/c"));
            assertThat(folders.folderCreating(root.resolve("a/b/c"))).isSameAs(c);
            c.newByteChannel("f", EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)).close();
        }
        assertThat(root.resolve("a/b/c/f")).isRegularFile();
        assertThat(root.resolve("a/kept.txt")).hasContent("kept");
        try (var entries = Files.list(root)) {
            assertThat(entries.map(path -> path.getFileName().toString())).containsExactly("a");
        }
    }

    @Test
    void aLevelThatIsALinkOutIsRefusedAndNothingIsCreatedThere() throws Exception {
        Path root = Files.createDirectories(work.resolve("root")).toRealPath();
        Path outside = Files.createDirectories(work.resolve("outside"));
        Files.createSymbolicLink(root.resolve("out"), outside);
        try (ConfinedFolders folders = new ConfinedFolders(root)) {
            assertThatThrownBy(() -> folders.folderCreating(root.resolve("out/new")))
                    .isInstanceOf(ConfinedFolder.FolderChangedException.class);
        }
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
        try (var entries = Files.list(root)) {
            assertThat(entries.map(path -> path.getFileName().toString())).containsExactly("out");
        }
    }

    @Test
    void aFolderCreatedAfterItsParentWasSwappedForALinkLandsInTheParentTheHandleNamesNotOutside() throws Exception {
        Path root = Files.createDirectories(work.resolve("root")).toRealPath();
        Files.createDirectories(root.resolve("a"));
        Path outside = Files.createDirectories(work.resolve("outside"));
        try (ConfinedFolders folders = new ConfinedFolders(root)) {
            folders.folderCreating(root.resolve("a"));
            Files.move(root.resolve("a"), root.resolve("a-was"));
            Files.createSymbolicLink(root.resolve("a"), outside);

            folders.folderCreating(root.resolve("a/new"));
        }
        assertThat(root.resolve("a-was/new")).isDirectory();
        try (var files = Files.list(outside)) {
            assertThat(files).isEmpty();
        }
    }
}
