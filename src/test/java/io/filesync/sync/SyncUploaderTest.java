package io.filesync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunk uploader's checks before anything is queued: chunks sent from the bytes that were hashed still stop when
 * the file vanished or was resized since it was read, exactly as chunks re-read from a changed file do. Nothing here
 * reaches a server: a refused file queues no batch.
 */
class SyncUploaderTest {

    @TempDir
    Path work;
    private final Chunker chunker = new Chunker();
    private final SyncTransport unused = new SyncTransport("http://127.0.0.1:9/sync", "t", "test", null, null);

    @Test
    void chunksKeptInMemoryAreQueuedWhileTheFileIsAsItWasRead() throws IOException {
        byte[] content = SyncChunkerTest.random(200_000, 31);
        Path file = Files.write(work.resolve("kept.bin"), content);
        Manifest manifest = chunker.chunk(content);

        long queued = new ChunkUploader(unused, 8 << 20).add(file, manifest, List.of(0, 1), content);

        assertThat(queued).isEqualTo(manifest.chunks().get(0).length() + manifest.chunks().get(1).length());
    }

    @Test
    void aFileThatVanishedOrWasResizedSinceItWasReadIsNotSentFromMemory() throws IOException {
        byte[] content = SyncChunkerTest.random(200_000, 32);
        Path file = Files.write(work.resolve("going.bin"), content);
        Manifest manifest = chunker.chunk(content);

        Files.write(file, SyncChunkerTest.random(150_000, 33));
        assertThatThrownBy(() -> new ChunkUploader(unused, 8 << 20).add(file, manifest, List.of(0), content))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("changed while being sent");

        Files.delete(file);
        assertThatThrownBy(() -> new ChunkUploader(unused, 8 << 20).add(file, manifest, List.of(0), content))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("vanished while being sent");
    }
}
