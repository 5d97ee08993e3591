package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import io.filesync.core.error.BadInputException;
import org.junit.jupiter.api.Test;

/** The wire form of paths: every Linux name as it is, a name Java cannot spell never in another's place. */
class SyncPathsTest {

    @Test
    void everyNameLinuxAllowsIsAcceptedAsItIs() {
        for (String path : List.of("new\nline", "cr\r/tab\t", "back\\slash", "a\\..\\..\\x", "%2e%2e/%2F", "   ", " x ",
                "*?\"<>|:", "cafe\u0301", "\uD83D\uDE00", "-dash", ".dot", "...", "~", "x".repeat(255))) {
            assertThat(SyncPaths.checked(path)).as(path).isEqualTo(path);
        }
    }

    @Test
    void whatIsNotAPlainRelativePathOfNamesOrIsTheServersOwnIsRefused() {
        for (String path : List.of("", "/abs", "a//b", "a/", "./a", "a/./b", "..", "a/../b", "nul\0x",
                ".filesync-sync-x", "a/.filesync-new-folder-y")) {
            assertThatThrownBy(() -> SyncPaths.checked(path)).as(path).isInstanceOf(BadInputException.class);
        }
    }

    @Test
    void theWirePathJoinsTheNamesAsTheyAreAndHasNoneForANameJavaCannotSpell() {
        assertThat(SyncPaths.wirePath(Path.of("a\\b", "c\nd"))).isEqualTo("a\\b/c\nd");
        // 0xFF is never UTF-8: its String has U+FFFD, which names another file.
        Path undecodable = Path.of(URI.create("file:///folder/bad%FF.txt"));
        assertThat(SyncPaths.spelledExactly(undecodable.getFileName())).isFalse();
        assertThat(SyncPaths.wirePath(Path.of("/folder").relativize(undecodable))).isNull();
    }

    @Test
    void aPathInALogLineHasItsControlCharactersEscaped() {
        assertThat(SyncPaths.printable("a\nb\r\tc\u0001")).isEqualTo("a\\nb\\r\\tc\\x01");
        assertThat(SyncPaths.printable("plain \\ name")).isEqualTo("plain \\ name");
    }
}
