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
 * reaches a server: a refused file queues no batch, and no batch fills up. A chunk is queued once per uploader.
 */
class SyncUploaderTest {

    @TempDir
    Path work;
    private final Chunker chunker = new Chunker();
    private final SyncTransport unused = SyncTransport.builder().serverUrl("http://127.0.0.1:9/sync").token("t").clientName("test").build();

    @Test
    void chunksKeptInMemoryAreQueuedWhileTheFileIsAsItWasRead() throws IOException {
        byte[] content = SyncChunkerTest.random(200_000, 31);
        Path file = Files.write(work.resolve("kept.bin"), content);
        Manifest manifest = chunker.chunk(content);

        long queued = new ChunkUploader(unused, 8 << 20, true).add(file, manifest, List.of(0, 1), content);

        assertThat(queued).isEqualTo(manifest.chunks().get(0).length() + manifest.chunks().get(1).length());
    }

    @Test
    void chunksReReadFromTheFileAreQueuedWhenTheyStillMatchTheirHashElseTheFileIsReportedChanged() throws IOException {
        Written written = written("large.bin", 34);
        Path file = written.file();
        Manifest manifest = written.manifest();
        int last = manifest.chunks().size() - 1;

        long queued = new ChunkUploader(unused, 8 << 20, true).add(file, manifest, List.of(1, last), (java.nio.ByteBuffer) null);
        assertThat(queued).isEqualTo(manifest.chunks().get(1).length() + manifest.chunks().get(last).length());

        editFirstByteOf(last, written);
        assertThatThrownBy(() -> new ChunkUploader(unused, 8 << 20, true).add(file, manifest, List.of(1, last), (java.nio.ByteBuffer) null))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("changed while being sent");

        Files.write(file, java.util.Arrays.copyOf(written.content(), (int) manifest.chunks().get(last).offset() + 10));
        assertThatThrownBy(() -> new ChunkUploader(unused, 8 << 20, true).add(file, manifest, List.of(last), (java.nio.ByteBuffer) null))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("changed while being sent");
    }

    @Test
    void withoutVerifyingReReadChunksGoAsTheFileHoldsThemForTheServerToCheckButAResizedFileStopsHere() throws IOException {
        Written written = written("unverified.bin", 35);
        Manifest.Chunk first = written.manifest().chunks().get(0);
        editFirstByteOf(0, written);
        ChunkUploader unverified = new ChunkUploader(unused, 8 << 20, false);

        assertThat(unverified.add(written.file(), written.manifest(), List.of(0), (java.nio.ByteBuffer) null)).isEqualTo(first.length());

        Files.write(written.file(), java.util.Arrays.copyOf(written.content(), written.content().length - 1));
        assertThatThrownBy(() -> unverified.add(written.file(), written.manifest(), List.of(1), (java.nio.ByteBuffer) null))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("changed while being sent");
    }

    @Test
    void aChunkQueuedOnceIsNotQueuedAgainForAnotherFileOrPlaceWhetherKeptInMemoryOrReReadUnlessItFailedToGo()
            throws IOException {
        Written original = written("original.bin", 36);
        Path copy = Files.write(work.resolve("copy.bin"), original.content());
        Manifest manifest = original.manifest();
        List<Integer> all = java.util.stream.IntStream.range(0, manifest.chunks().size()).boxed().toList();
        ChunkUploader uploader = new ChunkUploader(unused, 8 << 20, true);

        assertThat(uploader.add(original.file(), manifest, all, original.content())).isEqualTo(manifest.size());
        assertThat(uploader.add(copy, manifest, all, (java.nio.ByteBuffer) null)).isZero();
        assertThat(uploader.add(copy, manifest, List.of(0, 0), original.content())).isZero();

        // A chunk that could not be queued (its file changed) is not counted as queued: a sound copy still sends it.
        ChunkUploader another = new ChunkUploader(unused, 8 << 20, true);
        editFirstByteOf(1, original);
        assertThatThrownBy(() -> another.add(original.file(), manifest, List.of(1), (java.nio.ByteBuffer) null))
                .isInstanceOf(SyncTransport.Unavailable.class);
        assertThat(another.add(copy, manifest, List.of(1), (java.nio.ByteBuffer) null)).isEqualTo(manifest.chunks().get(1).length());
    }

    /** A file of random bytes, and its chunk list. */
    private record Written(Path file, byte[] content, Manifest manifest) {
    }

    private Written written(String name, long seed) throws IOException {
        byte[] content = SyncChunkerTest.random(300_000, seed);
        return new Written(Files.write(work.resolve(name), content), content, chunker.chunk(content));
    }

    /** Rewrites the file in place, same size, with the first byte of one chunk flipped. */
    private static void editFirstByteOf(int chunk, Written written) throws IOException {
        byte[] edited = written.content().clone();
        edited[(int) written.manifest().chunks().get(chunk).offset()] ^= 1;
        Files.write(written.file(), edited);
    }

    @Test
    void aBufferGivenBackIsTheOneTakenNextAndNoMoreThanTheKeptNumberWaitIdle() {
        BufferPool pool = new BufferPool(1024, true, 2);
        java.nio.ByteBuffer first = pool.take();
        java.nio.ByteBuffer second = pool.take();
        java.nio.ByteBuffer third = pool.take();
        first.put((byte) 1);
        pool.give(first);
        pool.give(second);
        pool.give(third);
        assertThat(pool.idle()).isEqualTo(2);
        java.nio.ByteBuffer again = pool.take();
        assertThat(again).isSameAs(second);
        assertThat(again.position()).isZero();
        assertThat(again.remaining()).isEqualTo(1024);
        assertThat(again.isDirect()).isTrue();
    }

    @Test
    void aFileThatVanishedOrWasResizedSinceItWasReadIsNotSentFromMemory() throws IOException {
        byte[] content = SyncChunkerTest.random(200_000, 32);
        Path file = Files.write(work.resolve("going.bin"), content);
        Manifest manifest = chunker.chunk(content);

        Files.write(file, SyncChunkerTest.random(150_000, 33));
        assertThatThrownBy(() -> new ChunkUploader(unused, 8 << 20, true).add(file, manifest, List.of(0), content))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("changed while being sent");

        Files.delete(file);
        assertThatThrownBy(() -> new ChunkUploader(unused, 8 << 20, true).add(file, manifest, List.of(0), content))
                .isInstanceOf(SyncTransport.Unavailable.class).hasMessageContaining("vanished while being sent");
    }
}
