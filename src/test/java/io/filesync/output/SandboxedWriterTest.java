package io.filesync.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every escape attempt is refused with the path and the reason, and leaves the disk as it was. */
class SandboxedWriterTest {

    static final String ETC_PROBE = "filesync-writer-test-must-not-exist";

    @TempDir
    Path dir;
    Path root;
    Path outside;
    SandboxedWriter writer;

    @BeforeEach
    void layout() throws IOException {
        root = dir.resolve("out");
        outside = dir.resolve("outside");
        Files.createDirectories(root.resolve("sub"));
        Files.createDirectories(root.resolve("adir"));
        Files.createDirectories(outside);
        Files.writeString(outside.resolve("victim.txt"), "keep me");
        Files.writeString(root.resolve("existing.txt"), "old");
        Files.writeString(root.resolve("afile"), "plain file");
        Files.createSymbolicLink(root.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(root.resolve("hop2"), outside);
        Files.createSymbolicLink(root.resolve("chain"), root.resolve("hop2"));
        Files.createSymbolicLink(root.resolve("chain-file"), root.resolve("hop2/victim.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), dir.resolve("nowhere"));
        Files.createSymbolicLink(root.resolve("inside-link"), root.resolve("sub"));
        writer = new SandboxedWriter(root, 100, List.of(dir.resolve("watched")));
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("append", "../escape.txt", "'..' segment"),
                Arguments.of("create", "a/../../x.txt", "'..' segment"),
                Arguments.of("overwrite", "sub/..", "'..' segment"),
                Arguments.of("create", "/tmp/absolute.txt", "is absolute"),
                Arguments.of("create", "a\0b.txt", "NUL byte"),
                Arguments.of("create", "etc/" + ETC_PROBE, "resolves outside the output root"),
                Arguments.of("append", "etc/passwd", "resolves outside the output root"),
                Arguments.of("create", "chain/new.txt", "resolves outside the output root"),
                Arguments.of("overwrite", "chain-file", "resolves outside the output root"),
                Arguments.of("delete", "chain-file", "resolves outside the output root"),
                Arguments.of("append", "dangling/x.txt", "leads nowhere"),
                Arguments.of("overwrite", "adir", "not a regular file (a folder)"),
                Arguments.of("delete", "adir", "not a regular file (a folder)"),
                Arguments.of("append", "inside-link", "not a regular file"),
                Arguments.of("create", "afile/child.txt", "'afile' is not a folder"),
                Arguments.of("create", "existing.txt", "already exists"),
                Arguments.of("create", "big.txt", "above the limit of 100"),
                Arguments.of("append", "", "no path given"),
                Arguments.of("append", "./", "names the output root itself"),
                Arguments.of("shred", "x.txt", "unknown operation 'shred'"));
    }

    @ParameterizedTest(name = "{0} {1} is refused: {2}")
    @MethodSource("hostile")
    void hostilePathsAreRefusedAndNothingIsWritten(String op, String path, String reason) throws IOException {
        TreeMap<String, String> before = tree(dir);
        String content = path.equals("big.txt") ? "x".repeat(101) : "payload";

        assertThatThrownBy(() -> writer.apply(WriteCommand.text(WriteOperation.parse(op, path), path, content)))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(((BadInputException) e).source()).isEqualTo(path.replace("\0", "\\0")));

        assertThat(tree(dir)).isEqualTo(before);
        assertThat(Path.of("/etc", ETC_PROBE)).doesNotExist();
        assertThat(Files.readString(outside.resolve("victim.txt"))).isEqualTo("keep me");
    }

    @Test
    void createAppendOverwriteAndDeleteDoWhatTheySay() throws IOException {
        writer.apply(WriteCommand.text(WriteOperation.CREATE, "new/deep/a.txt", "one"));
        writer.apply(WriteCommand.text(WriteOperation.APPEND, "new/deep/a.txt", "+two"));
        assertThat(root.resolve("new/deep/a.txt")).hasContent("one+two");

        SandboxedWriter.WriteResult replaced = writer.apply(WriteCommand.text(WriteOperation.OVERWRITE, "new/deep/a.txt", "three"));
        assertThat(root.resolve("new/deep/a.txt")).hasContent("three");
        assertThat(replaced.bytes()).isEqualTo(5);
        try (Stream<Path> files = Files.list(root.resolve("new/deep"))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("a.txt");
        }

        writer.apply(WriteCommand.text(WriteOperation.APPEND, "fresh.log", "line\n"));
        assertThat(root.resolve("fresh.log")).hasContent("line");

        assertThat(writer.apply(WriteCommand.text(WriteOperation.DELETE, "new/deep/a.txt", null)).existed()).isTrue();
        assertThat(root.resolve("new/deep/a.txt")).doesNotExist();
        assertThat(writer.apply(WriteCommand.text(WriteOperation.DELETE, "new/deep/a.txt", null)).existed()).isFalse();
        assertThat(writer.apply(WriteCommand.text(WriteOperation.DELETE, "never/was/here.txt", null)).existed()).isFalse();
        assertThat(root.resolve("never")).doesNotExist();
    }

    @Test
    void linksThatStayInsideTheRootAreFollowed() throws IOException {
        writer.apply(WriteCommand.text(WriteOperation.CREATE, "inside-link/via-link.txt", "ok"));
        assertThat(root.resolve("sub/via-link.txt")).hasContent("ok");
    }

    @Test
    void commandsParseFromJsonWithTextOrBase64Content() {
        assertThat(WriteCommand.fromJson("{\"op\":\"append\",\"path\":\"a/b.txt\",\"content\":\"hi\"}"))
                .isEqualTo(WriteCommand.text(WriteOperation.APPEND, "a/b.txt", "hi"));
        assertThat(WriteCommand.fromJson("{\"op\":\"CREATE\",\"path\":\"b.bin\",\"content\":\"AAH/\",\"encoding\":\"base64\"}").content())
                .containsExactly(0, 1, 255);
        assertThatThrownBy(() -> WriteCommand.fromJson("not json")).isInstanceOf(BadInputException.class).hasMessageContaining("invalid JSON");
        assertThatThrownBy(() -> WriteCommand.fromJson("{\"path\":\"x\"}")).isInstanceOf(BadInputException.class).hasMessageContaining("no operation");
    }

    @Test
    void anOutputRootThatIsContainsOrLiesInsideAWatchedInputIsRefusedAtStart() {
        Path input = dir.resolve("in");
        assertThatThrownBy(() -> new SandboxedWriter(input, 10, List.of(input)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("is the watched input");
        assertThatThrownBy(() -> new SandboxedWriter(input.resolve("out"), 10, List.of(input)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("lies inside the watched input");
        assertThatThrownBy(() -> new SandboxedWriter(dir, 10, List.of(input)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("contains the watched input");
        assertThatThrownBy(() -> new SandboxedWriter(root.resolve("inside-link/x"), 10, List.of(root.resolve("sub"))))
                .as("seen through a link").isInstanceOf(BadInputException.class).hasMessageContaining("lies inside");
        assertThat(new SandboxedWriter(dir.resolve("elsewhere"), 10, List.of(input)).root()).isEqualTo(dir.resolve("elsewhere"));
    }

    /** Every path under the folder, links not followed, with the content of regular files. */
    static TreeMap<String, String> tree(Path folder) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.toList()) {
                String value = Files.isSymbolicLink(p) ? "-> " + Files.readSymbolicLink(p)
                        : Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "dir";
                out.put(folder.relativize(p).toString(), value);
            }
        }
        return out;
    }
}
