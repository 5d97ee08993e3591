package io.filesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What closes the window between checking a path and using it: folders are held by handle, links never followed. */
class ConfinedFolderTest {

    @TempDir
    Path base;

    private Path root() throws Exception {
        return Files.createDirectories(base.resolve("root")).toRealPath();
    }

    private static void write(ConfinedFolder folder, String name, String text) throws Exception {
        try (SeekableByteChannel channel = folder.newByteChannel(name,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void aFolderSwappedForALinkAfterItWasOpenedStillGetsTheWriteAndTheLinkTargetDoesNot() throws Exception {
        Path root = root();
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.createDirectories(root.resolve("a"));

        try (ConfinedFolder folder = ConfinedFolder.open(root, root.resolve("a"))) {
            Files.move(root.resolve("a"), root.resolve("moved"));
            Files.createSymbolicLink(root.resolve("a"), outside);
            write(folder, "x.txt", "inside");
        }

        assertThat(root.resolve("moved/x.txt")).hasContent("inside");
        assertThat(outside.resolve("x.txt")).doesNotExist();
    }

    @Test
    void aLinkOnTheWayIsRefusedNotFollowed() throws Exception {
        Path root = root();
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.createDirectories(outside.resolve("deeper"));
        Files.createSymbolicLink(root.resolve("a"), outside);

        assertThatThrownBy(() -> ConfinedFolder.open(root, root.resolve("a/deeper")))
                .isInstanceOf(ConfinedFolder.FolderChangedException.class).hasMessageContaining("no longer a plain folder");
    }

    @Test
    void aLinkInPlaceOfTheFileIsNeitherFollowedNorReplacedByDelete() throws Exception {
        Path root = root();
        Path secret = Files.writeString(base.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("f.txt"), secret);

        try (ConfinedFolder folder = ConfinedFolder.open(root, root)) {
            assertThatThrownBy(() -> folder.newByteChannel("f.txt", EnumSet.of(StandardOpenOption.WRITE)))
                    .isInstanceOf(java.io.IOException.class);
            assertThat(folder.delete("f.txt")).isTrue();
        }

        assertThat(secret).hasContent("secret");
        assertThat(root.resolve("f.txt")).doesNotExist();
    }

    @Test
    void replaceIsAnAtomicRenameInsideTheFolder() throws Exception {
        Path root = root();
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/target.txt"), "old");

        try (ConfinedFolder folder = ConfinedFolder.open(root, root.resolve("d"))) {
            write(folder, ".tmp", "new");
            folder.replace(".tmp", "target.txt");
            assertThat(folder.delete("gone.txt")).isFalse();
        }

        assertThat(root.resolve("d/target.txt")).hasContent("new");
        assertThat(root.resolve("d/.tmp")).doesNotExist();
    }

    @Test
    void deleteTreeRemovesEveryLevelAndALinkInsideGoesButNotWhatItLeadsTo() throws Exception {
        Path root = root();
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/b/c/deep.txt"), "deep");
        Files.writeString(root.resolve("a/top.txt"), "top");
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Files.createSymbolicLink(root.resolve("a/b/out"), outside);
        try (ConfinedFolder folder = ConfinedFolder.open(root, root)) {
            assertThat(folder.attributes("a").isDirectory()).isTrue();
            assertThat(folder.deleteTree("a")).isTrue();
            assertThat(folder.deleteTree("a")).isFalse();
            assertThat(folder.attributes("a")).isNull();
        }
        assertThat(root.resolve("a")).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void aFolderSwappedForALinkJustBeforeDeleteTreeLosesTheLinkOnlyNeverWhatItLeadsTo() throws Exception {
        Path root = root();
        Files.createDirectories(root.resolve("a/b"));
        Path outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        try (ConfinedFolder a = ConfinedFolder.open(root, root.resolve("a"))) {
            Files.move(root.resolve("a/b"), root.resolve("a/b-was"));
            Files.createSymbolicLink(root.resolve("a/b"), outside);

            assertThat(a.attributes("b").isSymbolicLink()).isTrue();
            assertThat(a.deleteTree("b")).isTrue();
        }
        assertThat(root.resolve("a/b")).doesNotExist();
        assertThat(root.resolve("a/b-was")).isDirectory();
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
    }
}
