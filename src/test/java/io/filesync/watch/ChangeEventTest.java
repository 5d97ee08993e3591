package io.filesync.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** Pins the JSON schema of change events: consumers parse it, so any change here is a breaking change. */
class ChangeEventTest {

    @Test
    void serialisesEveryFieldInAFixedOrderWithNullsPresent() {
        ChangeEvent moved = ChangeEvent.of(ChangeType.FILE_MOVED, "b/new.txt", "/data/watch/b/new.txt",
                "file:///data/watch/b/new.txt", "a/old.txt", false, 1_763_700_000_123L, 42L);

        assertThat(moved.toJson()).isEqualTo("{\"type\":\"FILE_MOVED\",\"path\":\"b/new.txt\","
                + "\"absolutePath\":\"/data/watch/b/new.txt\",\"uri\":\"file:///data/watch/b/new.txt\","
                + "\"previousPath\":\"a/old.txt\",\"directory\":false,\"timestamp\":1763700000123,\"size\":42,"
                + "\"content\":null,\"contentEncoding\":null,\"contentTruncated\":false}");
    }

    @Test
    void serialisesTextAndBinaryContent() {
        ChangeEvent created = ChangeEvent.of(ChangeType.FILE_CREATED, "n.txt", "/w/n.txt", "file:///w/n.txt", null,
                false, 5L, 11L);

        assertThat(created.withText("hello \"you\"", "UTF-8", true).toJson()).isEqualTo("{\"type\":\"FILE_CREATED\","
                + "\"path\":\"n.txt\",\"absolutePath\":\"/w/n.txt\",\"uri\":\"file:///w/n.txt\",\"previousPath\":null,"
                + "\"directory\":false,\"timestamp\":5,\"size\":11,\"content\":\"hello \\\"you\\\"\","
                + "\"contentEncoding\":\"UTF-8\",\"contentTruncated\":true}");
        assertThat(created.withBytes("hi".getBytes(StandardCharsets.UTF_8), false).toJson())
                .contains("\"content\":\"aGk=\",\"contentEncoding\":\"base64\",\"contentTruncated\":false}");
    }

    @Test
    void directoryEventsHaveNoSizeAndTheRootHasAnEmptyPath() {
        ChangeEvent target = ChangeEvent.of(ChangeType.TARGET_DELETED, "", "/w", "file:///w", null, true, 7L, null);

        assertThat(target.toJson()).isEqualTo("{\"type\":\"TARGET_DELETED\",\"path\":\"\",\"absolutePath\":\"/w\","
                + "\"uri\":\"file:///w\",\"previousPath\":null,\"directory\":true,\"timestamp\":7,\"size\":null,"
                + "\"content\":null,\"contentEncoding\":null,\"contentTruncated\":false}");
    }

    @Test
    void readsBackWhatItWrites() {
        ChangeEvent event = ChangeEvent.of(ChangeType.DIRECTORY_MOVED, "x", "/w/x", "file:///w/x", "y", true, 9L, null)
                .withBytes(new byte[] {1, 2}, true);

        ChangeEvent read = ChangeEvent.fromJson(event.toJson());

        assertThat(read).isEqualTo(event);
        assertThat(read.contentBytes()).contains(new byte[] {1, 2});
        assertThatThrownBy(() -> ChangeEvent.fromJson("{\"type\":\"NO_SUCH\"}")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void snapshotKeysKeepNamesThatAreNotValidUtf8() throws Exception {
        Path odd = Path.of(java.net.URI.create("file:///x/caf%E9-%FF")).getFileName();
        Path nested = Path.of("dir").resolve(odd);

        String key = SnapshotPaths.encode(nested);

        assertThat(key).isEqualTo("/dir/caf%E9-%FF");
        assertThat(SnapshotPaths.decode(key)).isEqualTo(nested);
        assertThat(SnapshotPaths.encode(Path.of("plain/ünïcode name.txt"))).isEqualTo("plain/ünïcode name.txt");
        assertThat(SnapshotPaths.decode("plain/ünïcode name.txt")).isEqualTo(Path.of("plain/ünïcode name.txt"));
    }
}
